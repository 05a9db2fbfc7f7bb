{{/* Names: release-chart, cut to the 63 characters Kubernetes allows in names and labels. */}}
{{- define "moe-platform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "moe-platform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "moe-platform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "moe-platform.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "moe-platform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moe-platform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The API pods (the Deployment), as opposed to the migration Job and the bundled PostgreSQL. */}}
{{- define "moe-platform.apiSelectorLabels" -}}
{{ include "moe-platform.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end -}}

{{- define "moe-platform.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "moe-platform.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "moe-platform.image" -}}
{{- $tag := .Values.image.tag | default (ternary (printf "%s-cpu" .Chart.AppVersion) .Chart.AppVersion (eq .Values.image.variant "cpu")) -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{/* The Secret with the credentials: the user's or the chart's. */}}
{{- define "moe-platform.credentialsSecret" -}}
{{- default (include "moe-platform.fullname" .) .Values.credentials.existingSecret -}}
{{- end -}}

{{- define "moe-platform.postgresqlName" -}}
{{- printf "%s-postgresql" (include "moe-platform.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Database URL, user, and where the password lives (secret name and key). */}}
{{- define "moe-platform.databaseUrl" -}}
{{- if .Values.bundledPostgresql.enabled -}}
{{- printf "jdbc:postgresql://%s:5432/%s" (include "moe-platform.postgresqlName" .) .Values.bundledPostgresql.database -}}
{{- else -}}
{{- required "postgresql.url is required (or bundledPostgresql.enabled=true for an evaluation database)" .Values.postgresql.url -}}
{{- end -}}
{{- end -}}

{{- define "moe-platform.databaseUsername" -}}
{{- ternary .Values.bundledPostgresql.username .Values.postgresql.username .Values.bundledPostgresql.enabled -}}
{{- end -}}

{{- define "moe-platform.databaseSecret" -}}
{{- if and (not .Values.bundledPostgresql.enabled) .Values.postgresql.existingSecret -}}
{{- .Values.postgresql.existingSecret -}}
{{- else -}}
{{- include "moe-platform.fullname" . -}}
{{- end -}}
{{- end -}}

{{/* The database password: an existing Secret's key, or the chart's Secret (bundled or postgresql.password). */}}
{{- define "moe-platform.databasePassword" -}}
{{- if .Values.bundledPostgresql.enabled -}}
{{- required "bundledPostgresql.password is required (e.g. --set bundledPostgresql.password=$(openssl rand -hex 16)); the chart generates no secrets" .Values.bundledPostgresql.password -}}
{{- else -}}
{{- .Values.postgresql.password -}}
{{- end -}}
{{- end -}}

{{- define "moe-platform.databaseSecretKey" -}}
{{- if and (not .Values.bundledPostgresql.enabled) .Values.postgresql.existingSecret -}}
{{- .Values.postgresql.existingSecretPasswordKey -}}
{{- else -}}
database-password
{{- end -}}
{{- end -}}

{{/*
Credentials as container environment: from credentials.existingSecret (keys optional, so the Secret holds only the
ones the operator chose), else from the chart's Secret for the values given. A credential given nowhere is left to
the application: it generates the bootstrap password and key on the first start and logs them once; without a
scrape token /actuator/prometheus stays closed. The chart generates nothing itself (no random values, no lookup),
so rendering is repeatable, GitOps tools can apply it, and an upgrade never rotates a secret by accident.
*/}}
{{- define "moe-platform.credentialsEnv" -}}
{{- $secret := include "moe-platform.credentialsSecret" . -}}
{{- $existing := .Values.credentials.existingSecret -}}
{{- range $variable, $source := dict "PLATFORM_BOOTSTRAP_ADMIN_PASSWORD" (list "bootstrap-admin-password" $.Values.credentials.adminPassword) "PLATFORM_BOOTSTRAP_API_KEY" (list "bootstrap-api-key" $.Values.credentials.apiKey) "PLATFORM_METRICS_SCRAPE_TOKEN" (list "metrics-scrape-token" $.Values.credentials.metricsScrapeToken) }}
{{- if or $existing (index $source 1) }}
- name: {{ $variable }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ index $source 0 }}
      {{- if $existing }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Resources: explicit "resources" win; else the preset; GPUs are added either way when gpu.enabled. */}}
{{- define "moe-platform.resources" -}}
{{- $presets := dict
  "none" (dict)
  "cpu-small" (dict "requests" (dict "cpu" "1" "memory" "2Gi") "limits" (dict "memory" "4Gi"))
  "cpu-large" (dict "requests" (dict "cpu" "16" "memory" "96Gi") "limits" (dict "memory" "120Gi"))
  "gpu" (dict "requests" (dict "cpu" "4" "memory" "24Gi") "limits" (dict "memory" "96Gi"))
-}}
{{- $resources := deepCopy (.Values.resources | default (get $presets .Values.resourcesPreset) | default dict) -}}
{{- if .Values.gpu.enabled -}}
{{- $limits := get $resources "limits" | default dict -}}
{{- $_ := set $limits .Values.gpu.resourceName (.Values.gpu.count | toString) -}}
{{- $_ := set $resources "limits" $limits -}}
{{- $requests := get $resources "requests" | default dict -}}
{{- $_ := set $requests .Values.gpu.resourceName (.Values.gpu.count | toString) -}}
{{- $_ := set $resources "requests" $requests -}}
{{- end -}}
{{- toYaml $resources -}}
{{- end -}}

{{/* Seconds Kubernetes waits after SIGTERM: preStop sleep, the drain, the web server's graceful stop (each
     Spring shutdown phase may take up to the drain timeout), and a margin for closing the engine. */}}
{{- define "moe-platform.terminationGracePeriodSeconds" -}}
{{- add .Values.shutdown.preStopSleepSeconds (mul 2 .Values.shutdown.drainTimeoutSeconds) 15 -}}
{{- end -}}

{{- define "moe-platform.modelPath" -}}
{{- if ne .Values.model.volume.type "none" -}}
{{- printf "%s/%s" .Values.model.mountPath .Values.model.path | trimSuffix "/" -}}
{{- end -}}
{{- end -}}

{{/* The environment every container of the platform gets (the API and the migration Job). */}}
{{- define "moe-platform.databaseEnv" -}}
- name: SPRING_DATASOURCE_URL
  value: {{ include "moe-platform.databaseUrl" . | quote }}
- name: SPRING_DATASOURCE_USERNAME
  value: {{ include "moe-platform.databaseUsername" . | quote }}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "moe-platform.databaseSecret" . }}
      key: {{ include "moe-platform.databaseSecretKey" . }}
{{- end -}}

{{/* Fails on combinations that cannot work, with what to change. */}}
{{- define "moe-platform.validate" -}}
{{- if and .Values.autoscaling.enabled .Values.keda.enabled -}}
{{- fail "autoscaling.enabled and keda.enabled both make a HorizontalPodAutoscaler: enable one of them" -}}
{{- end -}}
{{- $scales := or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled .Values.keda.enabled -}}
{{- if and $scales .Values.persistence.enabled (not .Values.persistence.existingClaim) (not (has "ReadWriteMany" .Values.persistence.accessModes)) -}}
{{- fail "several replicas share the data directory (adapter files): set persistence.accessModes to [ReadWriteMany] or persistence.existingClaim to a ReadWriteMany claim" -}}
{{- end -}}
{{- if and (ne .Values.model.volume.type "none") (not .Values.model.path) -}}
{{- fail "model.path must name the checkpoint directory inside the model volume" -}}
{{- end -}}
{{- if and (eq .Values.model.volume.type "emptyDir") (not .Values.model.download.enabled) -}}
{{- fail "model.volume.type=emptyDir starts empty: enable model.download or use a persistentVolumeClaim or hostPath" -}}
{{- end -}}
{{- if and .Values.model.download.enabled (not .Values.model.download.repository) -}}
{{- fail "model.download.repository must name the Hugging Face repository to download" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.credentials.existingSecret) (not .Values.credentials.metricsScrapeToken) -}}
{{- fail "metrics.serviceMonitor needs the scrape token of /actuator/prometheus: set credentials.metricsScrapeToken or credentials.existingSecret" -}}
{{- end -}}
{{- if and .Values.model.download.enabled (eq .Values.model.volume.type "none") -}}
{{- fail "model.download needs a model volume to download into (model.volume.type)" -}}
{{- end -}}
{{- end -}}
