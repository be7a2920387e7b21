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
