{{/* Names and labels shared by every template. */}}

{{- define "modelship.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "modelship.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "modelship.labels" -}}
{{ include "modelship.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelship
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "modelship.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "modelship.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* image renders repository:tag, the tag defaulting to the chart appVersion. */}}
{{- define "modelship.image" -}}
{{- $img := index . 0 -}}{{- $root := index . 1 -}}
{{- printf "%s:%s" $img.repository (default $root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{/*
operatorSettings: the operator's flags (without --) and their values, passed
as MODELSHIP_OPERATOR_* environment variables by the Deployment.
*/}}
{{- define "modelship.operatorSettings" -}}
{{- $v := .Values -}}
runtime-image: {{ include "modelship.image" (list $v.images.runtime .) }}
gpu-runtime-image: {{ include "modelship.image" (list $v.images.runtimeGpu .) }}
watch-namespace: {{ $v.watchNamespace | quote }}
cluster-domain: {{ $v.clusterDomain }}
workers: {{ $v.workers }}
resync-seconds: {{ $v.resyncSeconds }}
host: 0.0.0.0
port: {{ $v.port }}
api-failure-unready-seconds: {{ $v.apiFailureUnreadySeconds }}
log-level: {{ $v.logLevel }}
{{- $pairs := list -}}
{{- range $k, $val := $v.gpu.nodeSelector -}}{{- $pairs = append $pairs (printf "%s=%s" $k $val) -}}{{- end }}
gpu-node-selector: {{ join "," $pairs | quote }}
accelerator-label: {{ $v.gpu.acceleratorLabel }}
gpu-toleration-key: {{ $v.gpu.tolerationKey }}
leader-elect: {{ $v.leaderElection.enabled | quote }}
leader-election-namespace: {{ .Release.Namespace }}
leader-election-lease-name: {{ $v.leaderElection.leaseName }}
lease-duration-seconds: {{ $v.leaderElection.leaseDurationSeconds }}
renew-deadline-seconds: {{ $v.leaderElection.renewDeadlineSeconds }}
retry-period-seconds: {{ $v.leaderElection.retryPeriodSeconds }}
traffic-mode: {{ $v.traffic.mode }}
gateway-name: {{ $v.traffic.gateway.name }}
gateway-namespace: {{ default .Release.Namespace $v.traffic.gateway.namespace }}
ingress-domain: {{ $v.traffic.ingressDomain }}
hostname-template: {{ $v.traffic.hostnameTemplate | quote }}
allow-traffic-mode-annotation: {{ $v.traffic.allowModeAnnotation | quote }}
{{- $p := $v.tenantPolicy }}
reserved-env-prefixes: {{ join "," $p.reservedEnvPrefixes | quote }}
allowed-service-accounts: {{ join "," $p.allowedServiceAccounts | quote }}
allowed-toleration-keys: {{ join "," $p.allowedTolerationKeys | quote }}
allowed-node-selector-keys: {{ join "," $p.allowedNodeSelectorKeys | quote }}
reserved-annotation-domains: {{ join "," $p.reservedAnnotationDomains | quote }}
allowed-pod-annotations: {{ join "," $p.allowedPodAnnotations | quote }}
istio-gateways: {{ join "," $v.traffic.istioGateways | quote }}
max-apportioned-replicas: {{ $v.traffic.maxApportionedReplicas }}
default-cpu: {{ $v.defaults.resources.requests.cpu | quote }}
default-memory: {{ $v.defaults.resources.requests.memory | quote }}
default-cpu-limit: {{ $v.defaults.resources.limits.cpu | quote }}
default-memory-limit: {{ $v.defaults.resources.limits.memory | quote }}
model-volume-size-limit: {{ $v.defaults.modelVolumeSizeLimit | quote }}
storage-idle-timeout-seconds: {{ int64 $v.storage.idleTimeoutSeconds | quote }}
storage-max-model-bytes: {{ int64 $v.storage.maxModelBytes | quote }}
storage-allow-metadata-addresses: {{ $v.storage.allowMetadataAddresses | quote }}
storage-token-audience: {{ $v.storage.tokenAudience | quote }}
{{- /* null (or absent) is not passed: the operator then leaves the field to the runtime or its built-in HPA values. int64: a float from values.yaml would print 1e+06. */}}
{{- $b := $v.defaults.batching | default dict }}
{{- $a := $v.defaults.autoscaling | default dict }}
{{- range $flag, $value := dict "default-max-batch-size" $b.maxBatchSize "default-max-queue-delay-ms" $b.maxQueueDelayMs "default-max-queue-size" $b.maxQueueSize "default-scale-target" $a.scaleTarget "default-scale-up-stabilization-seconds" $a.scaleUpStabilizationSeconds "default-scale-down-stabilization-seconds" $a.scaleDownStabilizationSeconds }}
{{- if not (kindIs "invalid" $value) }}
{{ $flag }}: {{ int64 $value | quote }}
{{- end }}
{{- end }}
{{- with $a.scaleMetric }}
default-scale-metric: {{ . }}
{{- end }}
{{- $t := $v.tracing | default dict }}
{{- with $t.endpoint }}
tracing-endpoint: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $t.samplingRatio) }}
tracing-sampling-ratio: {{ $t.samplingRatio | toString | quote }}
{{- end }}
prometheus-url: {{ $v.prometheus.url | quote }}
{{- $m := $v.monitoring }}
default-drift-threshold: {{ $m.driftThreshold | toString | quote }}
default-drift-window: {{ int64 $m.window | quote }}
default-input-policy: {{ $m.inputPolicy | quote }}
drift-check-seconds: {{ int64 $m.driftCheckSeconds | quote }}
{{- end -}}
