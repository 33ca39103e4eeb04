//go:build race

package scenarios

// raceEnabled says the tests run under the race detector, whose sync.Pool
// drops items at random, so that allocation counts mean nothing.
const raceEnabled = true
