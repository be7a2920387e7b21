package emulator

import "testing"

func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, DevMemoryFloor},
		{100 << 20, DevMemoryFloor},
		{200 << 20, 320 << 20},
		{1 << 30, 1717986918}, // 1.6 GiB
	} {
		if got := memoryLimitFor(tc.live); got != tc.want {
			t.Errorf("memoryLimitFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// GOGC is turned off only when TuneGC also keeps the memory limit: with a
// user's GOMEMLIMIT (which may be "no limit") GOGC has to bound the heap.
func TestGCSettings(t *testing.T) {
	for _, tc := range []struct {
		userGOGC, userLimit bool
		percent             int
		manage              bool
	}{
		{false, false, -1, true},
		{false, true, DevGCPercent, false},
		{true, false, 0, true},
		{true, true, 0, false},
	} {
		percent, manage := gcSettings(tc.userGOGC, tc.userLimit)
		if percent != tc.percent || manage != tc.manage {
			t.Errorf("gcSettings(GOGC set %v, GOMEMLIMIT set %v) = %d, %v; want %d, %v",
				tc.userGOGC, tc.userLimit, percent, manage, tc.percent, tc.manage)
		}
	}
}
