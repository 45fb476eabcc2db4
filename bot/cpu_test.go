package bot_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuTicks is CPU time so far, in clock ticks (1/100 s), of this process
// and of PostgreSQL's processes on this machine (the postmaster's reaped
// children included: backends that ended). On a shared machine the
// benchmark's wall-clock rate moves with the neighbours; the CPU an update
// costs does much less, so it is reported too.
func cpuTicks() (self, postgres int64) {
	self = procTicks("/proc/self/stat", false)
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		comm, err := os.ReadFile(filepath.Join(dir, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		postgres += procTicks(filepath.Join(dir, "stat"), true)
	}
	return self, postgres
}

// procTicks reads utime+stime (and, with children, cutime+cstime) from a
// /proc/PID/stat file; 0 if it cannot.
func procTicks(path string, children bool) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 15 {
		return 0
	}
	var sum int64
	last := 12 // fields[11], [12] are utime, stime (14 and 15 in proc(5))
	if children {
		last = 14 // and cutime, cstime
	}
	for _, f := range fields[11 : last+1] {
		n, _ := strconv.ParseInt(f, 10, 64)
		sum += n
	}
	return sum
}
