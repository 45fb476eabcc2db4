package dialogs

// Marks: an aggregator marks a subordinate's form (or package) 免报 or
// 未收到, with a reason, and may then forward without it.

// The statuses of a mark: a submission the level above makes for a unit.
const (
	SubExempt      SubmissionStatus = "exempt"       // 免报
	SubNotReceived SubmissionStatus = "not_received" // 未收到
)

// markName is a mark's name for people.
func markName(s SubmissionStatus) string {
	if s == SubExempt {
		return so.StateExempt
	}
	return so.StateNotReceived
}
