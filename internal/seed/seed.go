// Package seed turns one run's --seed into the independent random streams
// of its parts (a scenario, a session, a load session), so that the same
// seed gives the same bytes and nearby seeds give unrelated ones.
package seed

import "math/rand/v2"

// golden is 2^64 divided by the golden ratio: the increment of SplitMix64.
const golden = 0x9e3779b97f4a7c15

// Mix is SplitMix64's finalizer: it spreads nearby seeds (0, 1, 2...) over
// unrelated values.
func Mix(x uint64) uint64 {
	x += golden
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Rand is the random stream of part i of the run seeded with s.
func Rand(s, i uint64) *rand.Rand { return rand.New(rand.NewPCG(s, i^golden)) }
