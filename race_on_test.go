//go:build race

package main

// raceEnabled: the race detector slows the bot several times over, which a
// rehearsal at 1000x cannot absorb (a 10-minute session lasts 0.6 s there).
const raceEnabled = true
