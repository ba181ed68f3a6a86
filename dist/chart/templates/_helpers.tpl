{{/* The prefix of every resource name; matches config/default's namePrefix by default. */}}
{{- define "co.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "co.labels" -}}
app.kubernetes.io/name: {{ include "co.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selects the manager's pods: the same label config/manager uses. */}}
{{- define "co.selector" -}}
app.kubernetes.io/name: {{ include "co.name" . }}
{{- end -}}

{{- define "co.serviceAccount" -}}{{ include "co.name" . }}-controller-manager{{- end -}}
{{- define "co.webhookService" -}}{{ include "co.name" . }}-webhook-service{{- end -}}
{{- define "co.certSecret" -}}{{ include "co.name" . }}-webhook-server-cert{{- end -}}
{{- define "co.validating" -}}{{ include "co.name" . }}-validating-webhook-configuration{{- end -}}
{{- define "co.mutating" -}}{{ include "co.name" . }}-mutating-webhook-configuration{{- end -}}
{{- define "co.calendar" -}}{{ include "co.name" . }}-calendar{{- end -}}

{{/* Splits a multi-document YAML file into a list of non-empty documents (as dicts). */}}
{{- define "co.docs" -}}
{{- $docs := list -}}
{{- range (regexSplit "(?m)^---\\s*$" . -1) -}}
{{- $o := fromYaml . -}}
{{- if and $o $o.kind -}}{{- $docs = append $docs $o -}}{{- end -}}
{{- end -}}
{{- toJson (dict "items" $docs) -}}
{{- end -}}
