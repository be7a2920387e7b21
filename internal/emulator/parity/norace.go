//go:build !race

package parity

// raceEnabled: the race detector slows JSON-heavy scenarios tenfold.
const raceEnabled = false
