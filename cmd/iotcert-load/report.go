package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// runReport reads the JSON lines of runs (-json output) and prints, per label in order of
// first appearance, the median of each measure over the label's runs, as a Markdown
// table; -tsv also writes the medians as tab-separated values for plotting.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tsv := fs.String("tsv", "", "also write label, ops/s, p50, p99, p99.9 (ms), server CPU (µs/op) to this file")
	svg := fs.String("svg", "", "also draw the medians as a chart (SVG) in this file; labels are \"SERVER WORKLOAD\"")
	title := fs.String("title", "iotcertd, moto and a bare SigV4 server on this machine", "title of the -svg chart")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := medians(f)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, markdown(rows))
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(svgChart(rows, *title)), 0o644); err != nil {
			return err
		}
	}
	if *tsv != "" {
		var b strings.Builder
		for _, r := range rows {
			fmt.Fprintf(&b, "%s\t%.1f\t%.3f\t%.3f\t%.3f\t%.1f\n", r.Label, r.OpsPerSec, r.P50ms, r.P99ms, r.P999ms, r.ServerCPUus)
		}
		if err := os.WriteFile(*tsv, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// row is the medians of the runs of one label.
type row struct {
	Summary
	Runs int
}

// medians groups summaries by label, in order of first appearance, and takes the median
// of each measure separately.
func medians(r io.Reader) ([]row, error) {
	groups := map[string][]Summary{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var s Summary
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		if _, ok := groups[s.Label]; !ok {
			order = append(order, s.Label)
		}
		groups[s.Label] = append(groups[s.Label], s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var rows []row
	for _, label := range order {
		runs := groups[label]
		pick := func(get func(Summary) float64) float64 {
			v := make([]float64, len(runs))
			for i, s := range runs {
				v[i] = get(s)
			}
			return median(v)
		}
		m := runs[0]
		m.OpsPerSec = pick(func(s Summary) float64 { return s.OpsPerSec })
		m.P50ms = pick(func(s Summary) float64 { return s.P50ms })
		m.P99ms = pick(func(s Summary) float64 { return s.P99ms })
		m.P999ms = pick(func(s Summary) float64 { return s.P999ms })
		m.ServerCPUus = pick(func(s Summary) float64 { return s.ServerCPUus })
		m.ClientCPUus = pick(func(s Summary) float64 { return s.ClientCPUus })
		m.Errors = int(pick(func(s Summary) float64 { return float64(s.Errors) }))
		rows = append(rows, row{Summary: m, Runs: len(runs)})
	}
	return rows, nil
}

// median returns the middle value of v (the mean of the two middle ones for an even
// count), or 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// markdown formats rows as a Markdown table.
func markdown(rows []row) string {
	var b strings.Builder
	b.WriteString("| run | client | conc. | runs | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/op | client CPU µs/op | errors |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		cpu := "–"
		if r.ServerCPUus > 0 {
			cpu = fmt.Sprintf("%.0f", r.ServerCPUus)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %s | %.0f | %d |\n",
			r.Label, r.Client, r.Concurrency, r.Runs, r.OpsPerSec, r.P50ms, r.P99ms, r.P999ms, cpu, r.ClientCPUus, r.Errors)
	}
	return b.String()
}
