{{/*
Cross-field rules of the configuration that JSON Schema cannot express, checked at render time so
that `helm install` fails with the field named instead of a pod that crash-loops. They repeat
src/config/schema.ts (its superRefine and timingIssues), with the same paths and the same
arithmetic; the chart tier renders the same bad configurations through helm and through the
loader and requires both to name the same field. The loader stays the authority: whatever is not
repeated here (address syntax, reserved host names, the lease margin) it still rejects at start.
*/}}
{{- define "splitguard.validate" -}}
{{- $c := .Values.config -}}
{{- $names := list -}}
{{- range $i, $r := $c.regions -}}
{{- if has $r.name $names -}}
{{- fail (printf "config.regions[%d].name: region %q is listed twice" $i $r.name) -}}
{{- end -}}
{{- $names = append $names $r.name -}}
{{- end -}}
{{- if not (has $c.region $names) -}}
{{- fail (printf "config.region: region %q is not one of the configured regions (%s)" $c.region (join ", " $names)) -}}
{{- end -}}
{{- range $i, $h := $c.hosts -}}
{{- range $region, $_ := $h.targets -}}
{{- if not (has $region $names) -}}
{{- fail (printf "config.hosts[%d].targets.%s: %q is not a configured region (%s)" $i $region $region (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- if eq $h.strategy "failover" -}}
{{- if not $h.primary -}}
{{- fail (printf "config.hosts[%d].primary: a failover host needs `primary`: the region that serves it" $i) -}}
{{- else if not (has $h.primary $names) -}}
{{- fail (printf "config.hosts[%d].primary: %q is not a configured region (%s)" $i $h.primary (join ", " $names)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $interval := float64 $c.probe.interval -}}
{{- $timeout := float64 $c.probe.timeout -}}
{{- if ge $timeout $interval -}}
{{- fail (printf "config.probe.timeout: probe.timeout (%vs) must be shorter than probe.interval (%vs) so rounds do not overlap" $timeout $interval) -}}
{{- end -}}
{{- /* Safety: the old primary must have fenced before any standby may promote (DESIGN §5). */ -}}
{{- $f := $c.failover -}}
{{- $need := addf (float64 $f.fenceAfter) (mulf 2 $interval) (mulf 2 $timeout) (float64 $f.margin) -}}
{{- if lt (float64 $f.promoteAfter) $need -}}
{{- fail (printf "config.failover.promoteAfter: failover.promoteAfter (%vs) must be at least fenceAfter + 2*probe.interval + 2*probe.timeout + margin = %vs, so the old primary fences before a standby promotes" (float64 $f.promoteAfter) $need) -}}
{{- end -}}
{{- if and (eq $c.safety "lease") (not $c.lease) -}}
{{- fail "config.lease: safety lease needs a `lease` section with at least 3 lease witnesses" -}}
{{- end -}}
{{- end -}}
