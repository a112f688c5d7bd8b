{{/* Chart name. */}}
{{- define "phi-scrub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name. */}}
{{- define "phi-scrub.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "phi-scrub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "phi-scrub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "phi-scrub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "phi-scrub.labels" -}}
helm.sh/chart: {{ include "phi-scrub.chart" . }}
{{ include "phi-scrub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "phi-scrub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "phi-scrub.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "phi-scrub.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* Paths inside the container. */}}
{{- define "phi-scrub.keyDir" -}}/var/run/secrets/phi-scrub/key{{- end }}
{{- define "phi-scrub.tlsDir" -}}/var/run/secrets/phi-scrub/kafka-tls{{- end }}
{{- define "phi-scrub.policyDir" -}}/etc/phi-scrub/policy{{- end }}

{{/*
Validation of values that the schema cannot express. Included by every
template so that `helm template` / `helm install` fail early and clearly.
*/}}
{{- define "phi-scrub.validate" -}}
{{- $_ := required "key.existingSecret is required: phi-scrub has no default pseudonymization key. Create a Secret holding one (kubectl create secret generic phi-scrub-key --from-file=key=./phi-scrub.key) and set key.existingSecret (and key.secretKey if the data key is not \"key\")." .Values.key.existingSecret -}}
{{- $_ := required "key.secretKey is required: the data key inside key.existingSecret that holds the key material." .Values.key.secretKey -}}
{{- $_ := required "kafka.bootstrapServers is required (host:port[,host:port])." .Values.kafka.bootstrapServers -}}
{{- $proto := .Values.kafka.securityProtocol -}}
{{- if and (hasPrefix "SASL_" $proto) (not .Values.kafka.sasl.mechanism) -}}
{{- fail (printf "kafka.securityProtocol=%s needs kafka.sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)." $proto) -}}
{{- end -}}
{{- if and .Values.kafka.sasl.mechanism (not (hasPrefix "SASL_" $proto)) -}}
{{- fail (printf "kafka.sasl.mechanism is set but kafka.securityProtocol=%s: use SASL_SSL (or SASL_PLAINTEXT)." $proto) -}}
{{- end -}}
{{- if and .Values.kafka.sasl.mechanism (not .Values.kafka.sasl.existingSecret) -}}
{{- fail "kafka.sasl.existingSecret is required when kafka.sasl.mechanism is set: the username and password come from an existing Secret, never from values." -}}
{{- end -}}
{{- if .Values.kafka.tls.enabled -}}
{{- if not .Values.kafka.tls.existingSecret -}}
{{- fail "kafka.tls.existingSecret is required when kafka.tls.enabled is true." -}}
{{- end -}}
{{- if not (has $proto (list "SSL" "SASL_SSL")) -}}
{{- fail (printf "kafka.tls.enabled is true but kafka.securityProtocol=%s: use SSL or SASL_SSL." $proto) -}}
{{- end -}}
{{- if ne (empty .Values.kafka.tls.certKey) (empty .Values.kafka.tls.keyKey) -}}
{{- fail "kafka.tls.certKey and kafka.tls.keyKey must be set together (mutual TLS) or both left empty." -}}
{{- end -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled .Values.keda.enabled -}}
{{- fail "autoscaling.enabled and keda.enabled are mutually exclusive: both would drive the same Deployment's replicas." -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%d) exceeds autoscaling.maxReplicas (%d)." (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if and .Values.keda.enabled (gt (int .Values.keda.minReplicaCount) (int .Values.keda.maxReplicaCount)) -}}
{{- fail (printf "keda.minReplicaCount (%d) exceeds keda.maxReplicaCount (%d)." (int .Values.keda.minReplicaCount) (int .Values.keda.maxReplicaCount)) -}}
{{- end -}}
{{- $partitions := int .Values.topics.rawPartitions -}}
{{- if gt $partitions 0 -}}
{{- if gt (int .Values.replicaCount) $partitions -}}
{{- fail (printf "replicaCount (%d) exceeds topics.rawPartitions (%d): replicas beyond the raw topics' partition count get no partitions and stay unready." (int .Values.replicaCount) $partitions) -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) $partitions) -}}
{{- fail (printf "autoscaling.maxReplicas (%d) exceeds topics.rawPartitions (%d): replicas beyond the raw topics' partition count get no partitions." (int .Values.autoscaling.maxReplicas) $partitions) -}}
{{- end -}}
{{- if and .Values.keda.enabled (gt (int .Values.keda.maxReplicaCount) $partitions) -}}
{{- fail (printf "keda.maxReplicaCount (%d) exceeds topics.rawPartitions (%d): replicas beyond the raw topics' partition count get no partitions." (int .Values.keda.maxReplicaCount) $partitions) -}}
{{- end -}}
{{- end -}}
{{- $t := .Values.topics -}}
{{- if has $t.quarantine (list $t.hl7Output $t.fhirOutput) -}}
{{- fail "topics.quarantine must differ from topics.hl7Output and topics.fhirOutput: quarantine holds raw PHI and must never be a topic analytics reads." -}}
{{- end -}}
{{- range $raw := concat $t.hl7 $t.fhir -}}
{{- if has $raw (list $t.hl7Output $t.fhirOutput $t.quarantine) -}}
{{- fail (printf "raw topic %s is also an output or the quarantine topic: outputs and quarantine must differ from the raw topics." $raw) -}}
{{- end -}}
{{- end -}}
{{- if not (or $t.hl7 $t.fhir $t.hl7Pattern $t.fhirPattern) -}}
{{- fail "no raw topics: set topics.hl7 / topics.fhir, or topics.hl7Pattern / topics.fhirPattern (the worker refuses to start without any)." -}}
{{- end -}}
{{- range $raw := $t.hl7 -}}
{{- if has $raw $t.fhir -}}
{{- fail (printf "raw topic %s is in both topics.hl7 and topics.fhir: a topic carries one format." $raw) -}}
{{- end -}}
{{- end -}}
{{- if lt (int64 .Values.quarantineMaxBytes) (int64 .Values.maxRecordBytes) -}}
{{- fail (printf "quarantineMaxBytes (%d) must be at least maxRecordBytes (%d): every record the worker tries to scrub must fit in quarantine (the worker refuses to start otherwise)." (int64 .Values.quarantineMaxBytes) (int64 .Values.maxRecordBytes)) -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled (not .Values.networkPolicy.kafkaPeers) -}}
{{- fail "networkPolicy.kafkaPeers is required when networkPolicy.enabled: egress is allowed to the Kafka brokers and DNS only." -}}
{{- end -}}
{{- end }}

{{/*
The one-off pod NOTES.txt prints for `phi-scrub topics ensure`, as kubectl run
--overrides JSON: the worker's environment, SASL credentials and TLS files, and
its security contexts (a namespace enforcing the restricted Pod Security
Standard refuses a pod without them).
*/}}
{{- define "phi-scrub.topicsPodOverrides" -}}
{{- $env := list -}}
{{- if .Values.kafka.sasl.mechanism -}}
{{- range $name, $key := dict "KAFKA_SASL_USERNAME" .Values.kafka.sasl.usernameKey "KAFKA_SASL_PASSWORD" .Values.kafka.sasl.passwordKey -}}
{{- $env = append $env (dict "name" $name "valueFrom" (dict "secretKeyRef" (dict "name" $.Values.kafka.sasl.existingSecret "key" $key))) -}}
{{- end -}}
{{- end -}}
{{- $container := dict "name" "topics" "image" (include "phi-scrub.image" .) "stdin" true "stdinOnce" true "args" (list "topics" "ensure") "envFrom" (list (dict "configMapRef" (dict "name" (include "phi-scrub.fullname" .)))) "securityContext" .Values.securityContext -}}
{{- if $env -}}{{- $_ := set $container "env" $env -}}{{- end -}}
{{- $spec := dict "containers" (list $container) "securityContext" .Values.podSecurityContext "automountServiceAccountToken" false -}}
{{- if .Values.kafka.tls.enabled -}}
{{- $_ := set $container "volumeMounts" (list (dict "name" "kafka-tls" "mountPath" (include "phi-scrub.tlsDir" .) "readOnly" true)) -}}
{{- $items := list (dict "key" .Values.kafka.tls.caKey "path" .Values.kafka.tls.caKey) -}}
{{- if .Values.kafka.tls.certKey -}}
{{- $items = append $items (dict "key" .Values.kafka.tls.certKey "path" .Values.kafka.tls.certKey) -}}
{{- $items = append $items (dict "key" .Values.kafka.tls.keyKey "path" .Values.kafka.tls.keyKey) -}}
{{- end -}}
{{- $_ := set $spec "volumes" (list (dict "name" "kafka-tls" "secret" (dict "secretName" .Values.kafka.tls.existingSecret "items" $items))) -}}
{{- end -}}
{{- dict "spec" $spec | toJson -}}
{{- end }}
