package bot

import (
	"sync"
	"testing"
	"time"
)

// TestDispatcherOrderAndFairness: one chat's jobs run one at a time in
// order; other chats go on while one chat's job is stuck; wait sees every
// job finished, and stop ends the workers.
func TestDispatcherOrderAndFairness(t *testing.T) {
	d := newDispatcher(4)
	var mu sync.Mutex
	got := map[int64][]int{}
	running := map[int64]int{}
	release := make(chan struct{})
	for i := 0; i < 50; i++ {
		for chat := int64(1); chat <= 5; chat++ {
			d.submit(chat, func() {
				mu.Lock()
				running[chat]++
				if running[chat] > 1 {
					t.Errorf("chat %d ran two jobs at once", chat)
				}
				mu.Unlock()
				if chat == 1 && i == 0 {
					<-release // chat 1 is stuck until the others are done
				}
				mu.Lock()
				running[chat]--
				got[chat] = append(got[chat], i)
				mu.Unlock()
			})
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		others := len(got[2]) + len(got[3]) + len(got[4]) + len(got[5])
		mu.Unlock()
		if others == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stuck chat held the others: %d of 200 done", others)
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	d.wait()
	for chat := int64(1); chat <= 5; chat++ {
		if len(got[chat]) != 50 {
			t.Fatalf("chat %d ran %d jobs", chat, len(got[chat]))
		}
		for i, v := range got[chat] {
			if v != i {
				t.Fatalf("chat %d ran its jobs out of order: %v", chat, got[chat])
			}
		}
	}
	d.stop()
}
