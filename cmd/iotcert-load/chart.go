package main

import (
	"cmp"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// The chart of a report: for each workload, one bar per server, in two panels drawn on
// logarithmic axes because the servers differ by orders of magnitude: throughput
// (operations per second, longer is better) and the server's CPU time per operation
// (shorter is better). A label is "SERVER WORKLOAD" (bench/run.sh names runs so); rows
// are grouped by workload in order of first appearance.

// chartServers gives each known server its colour; others are grey.
var chartServers = map[string]string{
	"iotcertd":  "#1f77b4",
	"unbatched": "#9ecae1", // iotcertd with one commit per write (bench/run.sh)
	"moto":      "#d62728",
	"bare":      "#7f7f7f",
}

const (
	chartBar     = 14  // bar height
	chartGap     = 10  // space between workload groups
	chartLabelW  = 230 // room for the row labels
	chartPanelW  = 330 // width of each panel's plotting area
	chartPanelSp = 120 // space between the panels, for value labels
	chartTop     = 58
)

// svgChart draws rows as an SVG document.
func svgChart(rows []row, title string) string {
	type group struct {
		workload string
		rows     []row
	}
	var groups []*group
	index := map[string]*group{}
	for _, r := range rows {
		server, workload, _ := strings.Cut(r.Label, " ")
		if workload == "" {
			workload = server
		}
		g := index[workload]
		if g == nil {
			g = &group{workload: workload}
			index[workload] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
	}
	// Within a workload: iotcertd, iotcertd without group commit, moto, the ceiling,
	// then anything else.
	order := []string{"iotcertd", "unbatched", "moto", "bare"}
	rank := func(r row) int {
		server, _, _ := strings.Cut(r.Label, " ")
		if i := slices.Index(order, server); i >= 0 {
			return i
		}
		return len(order)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.rows, func(a, b row) int { return cmp.Compare(rank(a), rank(b)) })
	}
	n := len(rows)
	height := chartTop + n*(chartBar+4) + len(groups)*chartGap + 50
	width := chartLabelW + 2*chartPanelW + chartPanelSp + 90

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))

	ops := axis{min: 10, max: 100000}
	cpu := axis{min: 10, max: 100000}
	for _, r := range rows {
		ops.fit(r.OpsPerSec)
		cpu.fit(r.ServerCPUus)
	}
	left1 := chartLabelW
	left2 := chartLabelW + chartPanelW + chartPanelSp
	bottom := height - 40
	panel(&b, left1, chartTop-6, bottom, "operations per second (log scale; longer is better)", ops)
	panel(&b, left2, chartTop-6, bottom, "server CPU µs per operation (log scale; shorter is better)", cpu)

	y := chartTop
	for _, g := range groups {
		for i, r := range g.rows {
			server, _, _ := strings.Cut(r.Label, " ")
			colour, ok := chartServers[server]
			if !ok {
				colour = "#aaaaaa"
			}
			name := ""
			if i == 0 {
				name = g.workload
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>`, chartLabelW-70, y+chartBar-3, html.EscapeString(name))
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`+"\n", chartLabelW-6, y+chartBar-3, colour, html.EscapeString(server))
			bar(&b, left1, y, ops, r.OpsPerSec, colour, fmt.Sprintf("%.0f", r.OpsPerSec))
			if r.ServerCPUus > 0 {
				bar(&b, left2, y, cpu, r.ServerCPUus, colour, fmt.Sprintf("%.0f", r.ServerCPUus))
			}
			y += chartBar + 4
		}
		y += chartGap
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555">medians of the runs in the report; bare = a Go server that only verifies SigV4 and returns a canned answer</text>`+"\n", height-12)
	b.WriteString("</svg>\n")
	return b.String()
}

// axis is a logarithmic scale from min to max (powers of ten).
type axis struct{ min, max float64 }

// fit widens the axis to the power of ten above v.
func (a *axis) fit(v float64) {
	if v <= 0 {
		return
	}
	for v > a.max {
		a.max *= 10
	}
	for v < a.min && a.min > 0.01 {
		a.min /= 10
	}
}

// x returns the position of v in a panel of width chartPanelW.
func (a axis) x(v float64) float64 {
	if v <= a.min {
		return 0
	}
	return chartPanelW * (math.Log10(v) - math.Log10(a.min)) / (math.Log10(a.max) - math.Log10(a.min))
}

// panel draws a panel's title, grid lines and tick labels.
func panel(b *strings.Builder, left, top, bottom int, title string, a axis) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, top-18, html.EscapeString(title))
	for v := a.min; v <= a.max*1.0001; v *= 10 {
		x := float64(left) + a.x(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`, x, top, x, bottom)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x, bottom+14, tick(v))
	}
}

// bar draws one bar with its value after it.
func bar(b *strings.Builder, left, y int, a axis, v float64, colour, text string) {
	w := a.x(v)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`, left, y, math.Max(w, 1), chartBar, colour)
	fmt.Fprintf(b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+w+4, y+chartBar-3, text)
}

// tick formats a power of ten: 10, 100, 1k, 10k, 100k, 1M.
func tick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", v/1e3)
	}
	return fmt.Sprintf("%g", v)
}
