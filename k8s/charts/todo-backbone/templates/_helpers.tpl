{{/* Names, labels and the pieces every workload of the chart shares. */}}

{{- define "todo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "todo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: todo-backbone
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "ctx" $ "component" "api"). */}}
{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "todo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "todo.configName" -}}{{ include "todo.fullname" . }}-config{{- end -}}

{{/* Pod-level security: a numeric non-root user (the image's), and the runtime's seccomp profile. */}}
{{- define "todo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security: nothing writable but the /tmp volume, no capabilities. */}}
{{- define "todo.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* tsx compiles into $TMPDIR and npx keeps its cache there: the one writable place. */}}
{{- define "todo.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}
{{- define "todo.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* DATABASE_URL from the operator's Secret, by name only. */}}
{{- define "todo.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.database.existingSecret is required" .Values.secrets.database.existingSecret }}
      key: {{ .Values.secrets.database.key }}
{{- end -}}

{{/* Kafka credentials of one principal (the argument): the Secret Strimzi's User Operator makes for
     the KafkaUser of that name (todo-platform's kafka-users.yaml). */}}
{{- define "todo.kafkaUserEnv" -}}
- { name: KAFKA_SASL_MECHANISM, value: scram-sha-512 }
- { name: KAFKA_SASL_USERNAME, value: {{ . | quote }} }
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef: { name: {{ . | quote }}, key: password }
{{- end -}}

{{/* Connection settings, inline: hook Jobs run before the release's ConfigMap exists. */}}
{{- define "todo.connectionEnv" -}}
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | quote }}
- name: SCHEMA_REGISTRY_URL
  value: {{ .Values.schemaRegistry.url | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- end -}}

{{- define "todo.prometheusAnnotations" -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end -}}

{{/* HTTP probes on a workload's health endpoints: (dict "port" 3000 "probes" .Values.probes). */}}
{{- define "todo.httpProbes" -}}
startupProbe:
  httpGet: { path: /healthz, port: {{ .port }} }
  periodSeconds: 2
  failureThreshold: {{ .probes.startupFailureThreshold }}
livenessProbe:
  httpGet: { path: /healthz, port: {{ .port }} }
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: {{ .port }} }
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{- define "todo.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{ toYaml . | nindent 2 }}
{{- end }}
securityContext: {{ include "todo.podSecurityContext" . | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector: {{ toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{ toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Spread replicas of one component over nodes: (dict "ctx" $ "component" "relay"). */}}
{{- define "todo.spread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{ include "todo.selectorLabels" . | nindent 8 }}
{{- end -}}

{{/* Every pod of this release. */}}
{{- define "todo.releasePods" -}}
matchLabels:
  app.kubernetes.io/name: {{ .Chart.Name }}
  app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* One egress rule: (dict "to" <peers> "ports" <TCP ports>). */}}
{{- define "todo.egressRule" -}}
- to: {{ toYaml .to | nindent 4 }}
  ports:
    {{- range .ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
{{- end -}}
