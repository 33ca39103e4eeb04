package seed

import "testing"

func TestMixSpreadsNearbySeeds(t *testing.T) {
	seen := map[uint64]bool{}
	for i := range uint64(1000) {
		v := Mix(i)
		if seen[v] {
			t.Fatalf("Mix(%d) repeats an earlier value", i)
		}
		seen[v] = true
	}
	if Mix(0) == 0 || Mix(1)-Mix(0) == 1 {
		t.Error("Mix leaves nearby seeds nearby")
	}
}

func TestRandIsRepeatableAndIndependent(t *testing.T) {
	a, b, c := Rand(7, 1), Rand(7, 1), Rand(7, 2)
	x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
	if x != y {
		t.Error("the same seed and part give different streams")
	}
	if x == z {
		t.Error("two parts of one run share a stream")
	}
}
