# Reads "[daemon test] BENCH name value unit" lines; prints per measurement the
# median of the candidate (-v cand=NAME) and of each baseline (-v bases=A,B),
# and candidate vs baseline as a ratio: higher is better for the candidate
# whatever the unit (seconds: baseline/candidate; rates: candidate/baseline).
# The ratio is the median of the per-round ratios (the i-th value of each
# daemon comes from round i): the machine drifts between rounds, so values
# measured in the same round are compared with each other.  Next to it, in
# brackets, an interval that holds the true median ratio with the
# confidence given (distribution-free: the k-th smallest and k-th largest
# per-round ratio, k the largest with at least 90 %, from the binomial
# distribution of how many rounds fall below the median).  A row is ahead
# or behind only when its whole interval is; 4 rounds give at best 88 %
# (their range), 8 give 93 % (the second smallest to the second largest).
$3 == "BENCH" {
	d = substr($1, 2); key = $4; unit[key] = $6
	n[d, key]++; v[d, key, n[d, key]] = $5; names[key] = 1
}
# a[1..m] = the values of daemon d for k, ascending; returns m.
function sorted(d, k, a,   m, i, j, t) {
	m = n[d, k]
	for (i = 1; i <= m; i++) a[i] = v[d, k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m
}
function median(d, k,   m, a) {
	m = sorted(d, k, a); if (!m) return ""
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
function ratio(o, r) {
	return (unit[cur] == "s") ? (o > 0 ? r / o : 0) : (r > 0 ? o / r : 0)
}
function paired(c, b, k,   m, i, t) {
	m = n[c, k] < n[b, k] ? n[c, k] : n[b, k]
	cur = k
	delete v["_r", k]
	for (i = 1; i <= m; i++) v["_r", k, i] = ratio(v[c, k, i], v[b, k, i])
	n["_r", k] = m
	return median("_r", k)
}
# Coverage of [k-th smallest, k-th largest] of m values for their median:
# 1 - 2 P(Binomial(m, 1/2) <= k - 1).
function coverage(m, k,   i, p, tail) {
	p = 0.5 ^ m; tail = 0
	for (i = 0; i < k; i++) { tail += p; p = p * (m - i) / (i + 1) }
	return 1 - 2 * tail
}
# "[lo-hi NN%]" for the per-round ratios paired() left in v["_r", k].
function interval(k,   m, a, w) {
	m = sorted("_r", k, a)
	if (m < 2) return ""
	w = 1
	while (2 * (w + 1) <= m && coverage(m, w + 1) >= 0.9) w++
	return sprintf("[%.2f-%.2f %.0f%%]", a[w], a[m + 1 - w], 100 * coverage(m, w))
}
END {
	nb = split(bases, base, ",")
	printf "%-28s %12s", "measurement", cand
	for (i = 1; i <= nb; i++) printf " %12s %8s %-18s", base[i], "ratio", "interval"
	printf "  %s\n", "unit"
	for (k in names) {
		o = median(cand, k)
		if (o == "") continue
		printf "%-28s %12s", k, o
		for (i = 1; i <= nb; i++) {
			r = median(base[i], k)
			if (r == "") { printf " %12s %8s %-18s", "-", "-", ""; continue }
			printf " %12s %8.2f", r, paired(cand, base[i], k)
			printf " %-18s", interval(k)
		}
		printf "  %s\n", unit[k]
	}
}
