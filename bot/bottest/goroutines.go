package bottest

import (
	"runtime"
	"strings"
	"time"
)

// GoroutineLeft waits up to d for no goroutine to run a function whose name
// contains fn (a closed input takes a moment to reach its reader), and
// returns the stack of one that still does, or "" once there is none.
func GoroutineLeft(fn string, d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		found := ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, fn) {
				found = g
			}
		}
		if found == "" || time.Now().After(deadline) {
			return found
		}
		time.Sleep(10 * time.Millisecond)
	}
}
