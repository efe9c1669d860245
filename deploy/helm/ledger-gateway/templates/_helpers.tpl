{{/* Names and labels shared by every resource of the chart. */}}

{{- define "ledger-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ledger-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "ledger-gateway.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "ledger-gateway.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "ledger-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "ledger-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ledger-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "ledger-gateway.labels" -}}
helm.sh/chart: {{ include "ledger-gateway.chart" . }}
{{ include "ledger-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ledger-gateway
{{- end }}

{{/* Labels of one role: call with (dict "root" $ "role" "gateway"). */}}
{{- define "ledger-gateway.roleSelectorLabels" -}}
{{ include "ledger-gateway.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "ledger-gateway.roleLabels" -}}
{{ include "ledger-gateway.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "ledger-gateway.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end }}

{{- define "ledger-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ledger-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding DATABASE_URL, WALLET_KEY, AUTH_JWT_SECRET, CA_REGISTRAR_SECRET. */}}
{{- define "ledger-gateway.secretName" -}}
{{- default (printf "%s-secrets" (include "ledger-gateway.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "ledger-gateway.profilesDir" -}}/etc/ledger-gateway/connection-profiles{{- end }}
{{- define "ledger-gateway.identityDir" -}}/etc/ledger-gateway/identity{{- end }}

{{/*
LEDGER_CONNECTION_PROFILES: "Org1MSP=/etc/.../connection-org1.json,Org2MSP=...", from
.Values.ledger.organisations (each mspId + the profile's file name in the ConfigMap).
*/}}
{{- define "ledger-gateway.connectionProfilesEnv" -}}
{{- $dir := include "ledger-gateway.profilesDir" . -}}
{{- $items := list -}}
{{- range .Values.ledger.organisations -}}
{{- $items = append $items (printf "%s=%s/%s" .mspId $dir .profile) -}}
{{- end -}}
{{- join "," $items -}}
{{- end }}

{{/* PromQL label matchers that keep the alerts to this release's pods. */}}
{{- define "ledger-gateway.promSelector" -}}
namespace="{{ .Release.Namespace }}",service=~"{{ include "ledger-gateway.fullname" . }}-(gateway|sync|submitter)"
{{- end }}

{{/*
The pod spec shared by the three roles: call with (dict "root" $ "role" "sync" "spec" .Values.sync).
One image; the role is the only difference in what runs.
*/}}
{{- define "ledger-gateway.podSpec" -}}
{{- $root := .root -}}
{{- $spec := .spec -}}
serviceAccountName: {{ include "ledger-gateway.serviceAccountName" $root }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ $spec.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if eq $root.Values.migrations.mode "initContainer" }}
initContainers:
  - name: migrate
    image: {{ include "ledger-gateway.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    {{- include "ledger-gateway.migrateCommand" $root | nindent 4 }}
    envFrom:
      - secretRef:
          name: {{ include "ledger-gateway.secretName" $root }}
    securityContext:
      {{- toYaml $root.Values.containerSecurityContext | nindent 6 }}
    resources:
      {{- toYaml $root.Values.migrations.resources | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
{{- end }}
containers:
  - name: {{ .role }}
    image: {{ include "ledger-gateway.image" $root }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    args: ["--role", {{ .role | quote }}]
    ports:
      - name: http
        containerPort: {{ $root.Values.port }}
        protocol: TCP
    env:
      - name: ROLE
        value: {{ .role | quote }}
      {{- range $name, $value := $spec.env }}
      - name: {{ $name }}
        value: {{ $value | toString | quote }}
      {{- end }}
    envFrom:
      - configMapRef:
          name: {{ include "ledger-gateway.fullname" $root }}-env
      - secretRef:
          name: {{ include "ledger-gateway.secretName" $root }}
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      {{- toYaml $root.Values.probes.liveness | nindent 6 }}
    readinessProbe:
      httpGet:
        path: /readyz
        port: http
      {{- toYaml $root.Values.probes.readiness | nindent 6 }}
    startupProbe:
      httpGet:
        path: /healthz
        port: http
      {{- toYaml $root.Values.probes.startup | nindent 6 }}
    {{- with $spec.preStopSleepSeconds }}
    lifecycle:
      preStop:
        exec:
          # Lets the endpoints controller and the ingress stop sending traffic before SIGTERM.
          command: ["sleep", {{ . | toString | quote }}]
    {{- end }}
    resources:
      {{- toYaml $spec.resources | nindent 6 }}
    securityContext:
      {{- toYaml $root.Values.containerSecurityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      - name: connection-profiles
        mountPath: {{ include "ledger-gateway.profilesDir" $root }}
        readOnly: true
      {{- if $root.Values.ledger.readerIdentity.secretName }}
      - name: reader-identity
        mountPath: {{ include "ledger-gateway.identityDir" $root }}
        readOnly: true
      {{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
  - name: connection-profiles
    configMap:
      name: {{ include "ledger-gateway.fullname" $root }}-connection-profiles
  {{- if $root.Values.ledger.readerIdentity.secretName }}
  - name: reader-identity
    secret:
      secretName: {{ $root.Values.ledger.readerIdentity.secretName }}
      defaultMode: 0440
  {{- end }}
{{- with $spec.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $spec.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $spec.affinity }}
affinity:
  {{- toYaml $spec.affinity | nindent 2 }}
{{- else }}
affinity:
  # Spread replicas over nodes so that one node going away takes at most one of them.
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "ledger-gateway.roleSelectorLabels" (dict "root" $root "role" .role) | nindent 14 }}
{{- end }}
{{- end }}

{{/* `prisma migrate deploy` from the image (the CLI and the Wasm schema engine are in node_modules). */}}
{{- define "ledger-gateway.migrateCommand" -}}
command: ["node_modules/.bin/prisma", "migrate", "deploy"]
workingDir: /app
{{- end }}

{{/* A role's Deployment: call with (dict "root" $ "role" "gateway" "spec" .Values.gateway "autoscaled" bool). */}}
{{- define "ledger-gateway.deployment" -}}
{{- $root := .root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "ledger-gateway.fullname" $root }}-{{ .role }}
  labels:
    {{- include "ledger-gateway.roleLabels" . | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ .spec.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "ledger-gateway.roleSelectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "ledger-gateway.roleSelectorLabels" . | nindent 8 }}
      annotations:
        # Roll the pods when their settings change.
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- if not $root.Values.secrets.existingSecret }}
        checksum/secret-values: {{ toJson $root.Values.secrets | sha256sum }}
        {{- end }}
    spec:
      {{- include "ledger-gateway.podSpec" . | nindent 6 }}
{{- end }}

{{/* A ClusterIP Service on the role's HTTP port: traffic for the gateway, scraping for all. */}}
{{- define "ledger-gateway.service" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "ledger-gateway.fullname" $root }}-{{ .role }}
  labels:
    {{- include "ledger-gateway.roleLabels" . | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "ledger-gateway.roleSelectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .port | default $root.Values.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{- define "ledger-gateway.hpa" -}}
{{- $root := .root -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "ledger-gateway.fullname" $root }}-{{ .role }}
  labels:
    {{- include "ledger-gateway.roleLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "ledger-gateway.fullname" $root }}-{{ .role }}
  minReplicas: {{ .spec.autoscaling.minReplicas }}
  maxReplicas: {{ .spec.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .spec.autoscaling.targetCPUUtilizationPercentage }}
{{- end }}

{{- define "ledger-gateway.pdb" -}}
{{- $root := .root -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "ledger-gateway.fullname" $root }}-{{ .role }}
  labels:
    {{- include "ledger-gateway.roleLabels" . | nindent 4 }}
spec:
  {{- if hasKey .spec.podDisruptionBudget "minAvailable" }}
  minAvailable: {{ .spec.podDisruptionBudget.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .spec.podDisruptionBudget.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "ledger-gateway.roleSelectorLabels" . | nindent 6 }}
{{- end }}
