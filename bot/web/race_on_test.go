//go:build race

package web_test

// raceEnabled: the race detector slows 1,000 streams several times over.
const raceEnabled = true
