package bot

import "sync"

// dispatcher runs jobs one chat at a time, in the order they were
// submitted, and different chats in parallel, at most workers at once. A slow
// chat holds one worker and delays only its own later jobs.
type dispatcher struct {
	mu      sync.Mutex
	chats   map[int64][]func()
	workers chan struct{}
	running sync.WaitGroup
}

func newDispatcher(workers int) *dispatcher {
	if workers < 1 {
		workers = 1
	}
	return &dispatcher{chats: map[int64][]func(){}, workers: make(chan struct{}, workers)}
}

// submit queues job behind the chat's earlier jobs.
func (d *dispatcher) submit(chat int64, job func()) {
	d.mu.Lock()
	queue, busy := d.chats[chat]
	d.chats[chat] = append(queue, job)
	if !busy {
		d.running.Add(1)
		go d.drain(chat)
	}
	d.mu.Unlock()
}

func (d *dispatcher) drain(chat int64) {
	defer d.running.Done()
	for {
		d.mu.Lock()
		queue := d.chats[chat]
		if len(queue) == 0 {
			delete(d.chats, chat)
			d.mu.Unlock()
			return
		}
		job := queue[0]
		d.chats[chat] = queue[1:]
		d.mu.Unlock()
		d.workers <- struct{}{}
		job()
		<-d.workers
	}
}

// wait blocks until every submitted job has run.
func (d *dispatcher) wait() { d.running.Wait() }
