package main

import (
	"strings"
	"testing"
)

// TestChartOrder: within a workload the bars go iotcertd, unbatched (iotcertd with one
// commit per write), moto, bare, each in its own colour, whatever order the runs came in.
func TestChartOrder(t *testing.T) {
	var rows []row
	for _, server := range []string{"bare", "moto", "unbatched", "iotcertd"} {
		rows = append(rows, row{Summary: Summary{Label: server + " update", OpsPerSec: 1000, ServerCPUus: 100}, Runs: 1})
	}
	svg := svgChart(rows, "test")
	last := -1
	for _, server := range []string{"iotcertd", "unbatched", "moto", "bare"} {
		label := `fill="` + chartServers[server] + `">` + server + `</text>`
		i := strings.Index(svg, label)
		if i < 0 {
			t.Fatalf("the chart has no %s bar label in its colour %s", server, chartServers[server])
		}
		if i < last {
			t.Errorf("%s comes before the server ranked above it", server)
		}
		last = i
	}
	if n := strings.Count(svg, `font-weight="bold">update</text>`); n != 1 {
		t.Errorf("the workload is named %d times, want once for its group", n)
	}
}
