{{- define "platform.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: todo-platform
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A KafkaTopic's name must be a DNS subdomain: the real name goes in spec.topicName. */}}
{{- define "platform.topicResourceName" -}}
{{- . | replace "_" "-" | lower -}}
{{- end -}}

{{/* The registry's pods: selector labels, and the labels of its objects (common ones added). */}}
{{- define "platform.registrySelector" -}}
app.kubernetes.io/name: apicurio-registry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: schema-registry
{{- end -}}
{{- define "platform.registryLabels" -}}
{{ include "platform.labels" . }}
app.kubernetes.io/name: apicurio-registry
app.kubernetes.io/component: schema-registry
{{- end -}}

{{/* Strimzi's JMX exporter settings for the Kafka nodes and Connect: the rules in files/, the same
     file the local stack's JVMs load (jmx-metrics.yaml renders it into a ConfigMap). */}}
{{- define "platform.jmxMetricsConfig" -}}
type: jmxPrometheusExporter
valueFrom:
  configMapKeyRef:
    name: {{ .Release.Name }}-jmx-metrics
    key: jmx-exporter-rules.yaml
{{- end -}}
