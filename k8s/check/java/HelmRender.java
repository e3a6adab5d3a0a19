import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.reflect.TypeToken;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Java half of `npm run k8s:check`: runs Helm's own lint and template (helm-java embeds Helm's
 * Go code) for each job of a plan, parses the rendered manifests, and validates every object of a
 * built-in Kubernetes kind against the Kubernetes OpenAPI models of client-java-api (their
 * validateJsonElement checks required fields, unknown fields and nested types). Custom resources
 * are left to the TypeScript side, which validates them against k8s/crds/. Also converts the
 * vendored CRD YAML files to JSON for it.
 *
 * Usage: java -cp ... HelmRender plan.json out.json
 */
public final class HelmRender {
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final Pattern SOURCE = Pattern.compile("(?m)^# Source: (.+)$");
  private static final Pattern DOC_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  record Job(String id, String chart, String release, String namespace, List<String> valuesFiles,
             Map<String, String> set, boolean lint) {}

  record Plan(String kubeVersion, List<Job> jobs, List<String> crdFiles) {}

  public static void main(String[] args) throws IOException {
    Plan plan = GSON.fromJson(Files.readString(Path.of(args[0])), Plan.class);
    Map<String, Object> out = new LinkedHashMap<>();
    List<Object> jobs = new ArrayList<>();
    for (Job job : plan.jobs()) jobs.add(runJob(plan, job));
    out.put("jobs", jobs);
    Map<String, Object> crds = new LinkedHashMap<>();
    for (String f : plan.crdFiles() == null ? List.<String>of() : plan.crdFiles()) {
      crds.put(f, yaml().load(Files.readString(Path.of(f))));
    }
    out.put("crds", crds);
    Files.writeString(Path.of(args[1]), GSON.toJson(out), StandardCharsets.UTF_8);
  }

  private static Yaml yaml() {
    LoaderOptions opts = new LoaderOptions();
    opts.setCodePointLimit(64 * 1024 * 1024);
    opts.setMaxAliasesForCollections(200);
    // kubectl refuses a manifest with a key twice; so does the check.
    opts.setAllowDuplicateKeys(false);
    return new Yaml(new SafeConstructor(opts));
  }

  /** The annotation key Helm reads hooks from, and the stand-in the copy of the chart uses. */
  static final String HOOK_KEY = "helm.sh/hook:";
  static final String HOOK_STAND_IN = "k8s-check.todo/hook:";

  /**
   * Helm's template leaves hooks out of its output (helm-java returns the release manifest only),
   * so each job renders a copy of the chart whose `helm.sh/hook:` keys are renamed: hook objects
   * then render like any other, and the TypeScript side renames the key back. The copy also
   * carries the merged values.yaml, because Helm's lint reads no other values file.
   */
  private static Map<String, Object> runJob(Plan plan, Job job) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", job.id());
    Path chart = Path.of(job.chart());
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory("k8s-check");
      Path copy = tmp.resolve(chart.getFileName());
      copyTree(chart, copy);
      Path values = chart.resolve("values.yaml");
      Object merged = Files.exists(values) ? yaml().load(Files.readString(values)) : new LinkedHashMap<String, Object>();
      for (String f : job.valuesFiles()) merged = merge(merged, yaml().load(Files.readString(Path.of(f))));
      if (job.set() != null) for (Map.Entry<String, String> e : job.set().entrySet()) merged = merge(merged, setPath(e.getKey(), e.getValue()));
      DumperOptions d = new DumperOptions();
      d.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
      Files.writeString(copy.resolve("values.yaml"), new Yaml(d).dump(merged));
      if (job.lint()) result.put("lint", lint(copy, chart));
      renameHookKeys(copy.resolve("templates"));
      TemplateCommand t = new Helm(copy).template()
          .withName(job.release())
          .withNamespace(job.namespace())
          .withKubeVersion(plan.kubeVersion());
      result.put("objects", objects(t.call()));
    } catch (RuntimeException | IOException e) {
      String message = e instanceof IOException ? e.getClass().getSimpleName() + ": " + e.getMessage() : String.valueOf(e.getMessage());
      result.put("error", message.replace(String.valueOf(tmp), "<chart copy>"));
    } finally {
      if (tmp != null) try { deleteTree(tmp); } catch (IOException ignored) { }
    }
    return result;
  }

  private static Map<String, Object> lint(Path copy, Path chart) {
    LintResult r = new Helm(copy).lint().strict().call();
    List<String> messages = new ArrayList<>();
    for (String m : r.getMessages()) messages.add(m.replace(copy.toString(), chart.toString()));
    Map<String, Object> lint = new LinkedHashMap<>();
    lint.put("failed", r.isFailed());
    lint.put("messages", messages);
    return lint;
  }

  private static void renameHookKeys(Path templates) throws IOException {
    if (!Files.isDirectory(templates)) return;
    try (Stream<Path> paths = Files.walk(templates)) {
      for (Path p : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        String text = Files.readString(p);
        if (text.contains(HOOK_KEY)) Files.writeString(p, text.replace(HOOK_KEY, HOOK_STAND_IN));
      }
    }
  }

  /** Helm's merge of values: maps merge key by key, anything else replaces, null deletes. */
  @SuppressWarnings("unchecked")
  static Object merge(Object base, Object over) {
    if (!(base instanceof Map) || !(over instanceof Map)) return over;
    Map<String, Object> out = new LinkedHashMap<>((Map<String, Object>) base);
    for (Map.Entry<String, Object> e : ((Map<String, Object>) over).entrySet()) {
      if (e.getValue() == null) out.remove(e.getKey());
      else out.put(e.getKey(), merge(out.get(e.getKey()), e.getValue()));
    }
    return out;
  }

  /** `a.b.c=v` as a nested map (values of --set are kept as YAML scalars). */
  private static Object setPath(String key, String value) {
    Object v = yaml().load(value);
    String[] parts = key.split("\\.");
    for (int i = parts.length - 1; i >= 0; i--) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(parts[i], v);
      v = m;
    }
    return v;
  }

  private static List<Object> objects(String manifest) {
    List<Object> objects = new ArrayList<>();
    for (String doc : DOC_SEPARATOR.split(manifest)) {
      Matcher m = SOURCE.matcher(doc);
      String source = m.find() ? m.group(1).trim() : "?";
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("source", source);
      Object parsed;
      try {
        parsed = yaml().load(doc);
      } catch (RuntimeException e) {
        entry.put("object", Map.of("apiVersion", "?", "kind", "Unparseable", "metadata", Map.of("name", source)));
        entry.put("coreSchema", "YAML error: " + e.getMessage());
        objects.add(entry);
        continue;
      }
      if (!(parsed instanceof Map)) continue;
      entry.put("object", parsed);
      entry.put("coreSchema", validateCore(parsed));
      objects.add(entry);
    }
    return objects;
  }

  /**
   * "ok", an error message, or "custom" for kinds outside the built-in API groups. The model class
   * of apps/v1 Deployment is V1Deployment, of autoscaling/v2 HorizontalPodAutoscaler
   * V2HorizontalPodAutoscaler: the version, capitalised, then the kind.
   */
  static String validateCore(Object object) {
    Map<?, ?> o = (Map<?, ?>) object;
    String apiVersion = String.valueOf(o.get("apiVersion"));
    String kind = String.valueOf(o.get("kind"));
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    if (group.contains(".") && !group.endsWith(".k8s.io")) return "custom";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    String cls = "io.kubernetes.client.openapi.models." + Character.toUpperCase(version.charAt(0)) + version.substring(1) + kind;
    try {
      Method validate = Class.forName(cls).getMethod("validateJsonElement", JsonElement.class);
      validate.invoke(null, GSON.toJsonTree(object, new TypeToken<Map<String, Object>>() {}.getType()));
      return "ok";
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      return "no Kubernetes API schema for " + apiVersion + " " + kind + " (removed or misspelt apiVersion/kind?)";
    } catch (InvocationTargetException e) {
      return String.valueOf(e.getCause().getMessage());
    } catch (IllegalAccessException e) {
      return "cannot validate: " + e.getMessage();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(dest);
        else Files.copy(p, dest);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
    }
  }
}
