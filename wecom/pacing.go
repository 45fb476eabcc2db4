package wecom

import (
	"slices"
	"time"
)

// Rates of message/send (发送应用消息,
// https://developer.work.weixin.qq.com/document/path/90236, and 访问频率限制,
// https://developer.work.weixin.qq.com/document/path/90454):
//
//   - per app and member: 30 a minute, 1,000 an hour — and "超过部分会被
//     丢弃不下发": past them messages are dropped without an error, so the
//     sender must count them itself (MemberNextSend);
//   - per app: the organisation's account limit × 200 recipients a day,
//     answered with 45009 past it;
//   - 45009 blocks for the window that tripped (按分钟拦截则被屏蔽60秒, an
//     hour for an hourly one, the natural day for a daily one).
const (
	MemberPerMinute = 30
	MemberPerHour   = 1000
	AppDailyFactor  = 200 // × the organisation's account limit
)

// MemberNextSend is the earliest moment at or after now when one more
// message may go to a member who was sent messages at the times in recent
// (any order; older than an hour is ignored), within both of the member's
// limits counted over sliding windows.
func MemberNextSend(recent []time.Time, now time.Time) time.Time {
	ts := make([]time.Time, 0, len(recent))
	for _, t := range recent {
		if now.Sub(t) < time.Hour {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	next := now
	// With k sends in a window of length w and a limit of n, the (n)th most
	// recent send must leave the window: it does so w after it happened.
	for _, lim := range []struct {
		n int
		w time.Duration
	}{{MemberPerMinute, time.Minute}, {MemberPerHour, time.Hour}} {
		var in []time.Time
		for _, t := range ts {
			if now.Sub(t) < lim.w {
				in = append(in, t)
			}
		}
		if len(in) >= lim.n {
			if t := in[len(in)-lim.n].Add(lim.w); t.After(next) {
				next = t
			}
		}
	}
	return next
}
