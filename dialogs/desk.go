package dialogs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"tianbao/campaign"
)

// The reviewer's desk: what waits for a reviewer is computed from the
// database whenever they look (their start screen, the queue), not carried
// by the one notification that announced it. A reviewer who joins later, a
// backup reviewer, or one who deleted the message sees the same work, and
// every button of it is checked against the item and the presser's rights
// when pressed.

// queuePage is how many items one screen of the queue lists.
const queuePage = 8

// homePending is how many items the start screen lists before pointing to
// the queue.
const homePending = 5

// reviews reports whether the contact reviews anything: a reviewer or
// admin.
func (t *turn) reviews() bool { return t.c.Role == Reviewer || t.c.Role == Admin }

// canReview reports whether the contact may decide on unit's own forms:
// only the reviewers of the unit that reviews them (a county's city; a
// city itself, whose 联席会议 审定 its own rows). A higher level acts on a
// county through the city's package, never on the county directly.
func (t *turn) canReview(unit string) bool {
	u := t.camp.Units[unit]
	return t.reviews() && u != nil && reviewerUnit(t.camp, u) == t.c.Unit
}

// canReviewPackage reports whether the contact may decide on a package
// forwarded by unit: the reviewers of the unit it is forwarded to.
func (t *turn) canReviewPackage(unit string) bool {
	u := t.camp.Units[unit]
	return t.reviews() && u != nil && u.Parent == t.c.Unit && unit != t.c.Unit
}

// canDecide is canReview or canReviewPackage, as the submission's form says.
func (t *turn) canDecide(sub *Submission) bool {
	if IsPackage(sub.Form) {
		return t.canReviewPackage(sub.Unit)
	}
	return t.canReview(sub.Unit)
}

// pending is what waits for this contact's decision, oldest first.
func (t *turn) pending() ([]PendingItem, error) {
	if !t.reviews() {
		return nil, nil
	}
	units := append([]string{t.c.Unit}, t.unit.Children...)
	items, err := t.tx.Pending(t.ctx, t.c.Campaign, units)
	if err != nil {
		return nil, err
	}
	var out []PendingItem
	for _, it := range items {
		sub := &Submission{Unit: it.Unit, Form: it.Form}
		if t.camp.Form(packageForm(it.Form)) != nil && t.canDecide(sub) {
			out = append(out, it)
		}
	}
	if t.fresh != nil && !slices.ContainsFunc(out, func(it PendingItem) bool { return it.ID == t.fresh.ID }) {
		out = append(out, *t.fresh) // the newest: last, as the list is oldest first
	}
	return out, nil
}

// nextItem shows the oldest item still waiting for the reviewer in full,
// or, with none left, the start screen (which says so).
func (t *turn) nextItem() error {
	items, err := t.pending()
	if err != nil {
		return err
	}
	if len(items) == 0 {
		t.s.Mode, t.s.Item = ModeHome, 0
		return t.show()
	}
	t.s.Mode, t.s.Item = ModeItem, items[0].ID
	return t.show()
}

// itemLine names a pending item for people: 西湖区《附件3》第 1 版 · 张三提交 · 已等待 2 天.
func (t *turn) itemLine(it PendingItem) string {
	f := t.camp.Form(packageForm(it.Form))
	what := fmt.Sprintf(desk.ItemForm, t.camp.Units[it.Unit].Name, shortName(f), it.Version)
	if IsPackage(it.Form) {
		what = fmt.Sprintf(desk.ItemPackage, t.camp.Units[it.Unit].Name, shortName(f), it.Version)
	}
	if it.By != "" {
		what += " · " + fmt.Sprintf(desk.ItemBy, it.By)
	}
	return what + " · " + waited(it.Waited)
}

// waited says how long an item has waited: 已等待 2 天, 已等待 3 小时, 刚提交.
// It is measured by the database's clock, which stamped the submission.
func waited(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf(desk.WaitedDays, int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf(desk.WaitedHours, int(d/time.Hour))
	}
	return desk.WaitedJust
}

// itemButtons are an item's 查看 / 通过 / 退回, bound to the item (not to
// a screen): pressed from any message, whenever, they act on it if it
// still waits and the presser may decide it.
func (t *turn) itemButtons(it PendingItem) []Button {
	id := strconv.FormatInt(it.ID, 10)
	label := fmt.Sprintf(desk.BtnViewItem, t.camp.Units[it.Unit].Name, shortName(t.camp.Form(packageForm(it.Form))))
	return []Button{{Label: label, Data: reviewPrefix + id + ":view"},
		{Label: msg.BtnApprove, Data: reviewPrefix + id + ":ok"}, {Label: msg.BtnReturn, Data: reviewPrefix + id + ":no"}}
}

// pendingBlock is the start screen's head for a reviewer: the count, the
// oldest items with their buttons, and the way to the rest.
func (t *turn) pendingBlock() (string, [][]Button, error) {
	items, err := t.pending()
	if err != nil || len(items) == 0 {
		return "", nil, err
	}
	own, forms, pkgs := 0, 0, 0
	for _, it := range items {
		switch {
		case IsPackage(it.Form):
			pkgs++
		case it.Unit == t.c.Unit:
			own++ // the unit's own rows, 审定 by its own reviewers
		default:
			forms++
		}
	}
	var b strings.Builder
	b.WriteString(desk.PendingHead)
	var counts []string
	if own > 0 {
		counts = append(counts, fmt.Sprintf(desk.PendingOwn, own))
	}
	if forms > 0 {
		counts = append(counts, fmt.Sprintf(desk.PendingForms, forms))
	}
	if pkgs > 0 {
		counts = append(counts, fmt.Sprintf(desk.PendingPackages, pkgs))
	}
	b.WriteString(strings.Join(counts, " · "))
	var buttons [][]Button
	for i, it := range items {
		if i == homePending {
			break
		}
		fmt.Fprintf(&b, "\n%d. %s", i+1, t.itemLine(it))
		buttons = append(buttons, t.itemButtons(it))
	}
	if len(items) > homePending || len(items) > 1 {
		buttons = append(buttons, []Button{{Label: fmt.Sprintf(desk.BtnQueue, len(items)), Data: "queue:0"}})
	}
	return b.String(), buttons, nil
}

// queue shows one page of the pending items, with 全部通过 for the page.
func (t *turn) queue() error {
	items, err := t.pending()
	if err != nil {
		return err
	}
	if len(items) == 0 {
		t.s.Mode = ModeHome
		t.note(desk.QueueEmpty)
		return t.show()
	}
	pages := (len(items) + queuePage - 1) / queuePage
	t.s.Page = min(max(t.s.Page, 0), pages-1)
	page := items[t.s.Page*queuePage : min(len(items), (t.s.Page+1)*queuePage)]
	var b strings.Builder
	fmt.Fprintf(&b, desk.QueueHead, len(items), t.s.Page+1, pages)
	var buttons [][]Button
	for i, it := range page {
		fmt.Fprintf(&b, "\n%d. %s", t.s.Page*queuePage+i+1, t.itemLine(it))
		buttons = append(buttons, t.itemButtons(it))
	}
	var nav []Button
	if t.s.Page > 0 {
		nav = append(nav, Button{Label: desk.BtnPrevPage, Data: "page:" + strconv.Itoa(t.s.Page-1)})
	}
	if t.s.Page+1 < pages {
		nav = append(nav, Button{Label: desk.BtnNextPage, Data: "page:" + strconv.Itoa(t.s.Page+1)})
	}
	if len(nav) > 0 {
		buttons = append(buttons, nav)
	}
	t.s.Batch = nil
	for _, it := range page {
		t.s.Batch = append(t.s.Batch, it.ID)
	}
	buttons = append(buttons, []Button{{Label: fmt.Sprintf(desk.BtnApproveAll, len(page)), Data: "all"}, {Label: msg.BtnHome, Data: "home"}})
	t.screen(b.String(), buttons)
	return nil
}

func (t *turn) queueButton(name, arg string) error {
	switch name {
	case "page":
		n, err := strconv.Atoi(arg)
		if err != nil {
			return t.staleNotice()
		}
		t.s.Page = n
		return t.show()
	case "all":
		if len(t.s.Batch) == 0 {
			return t.staleNotice()
		}
		t.s.Mode = ModeBatch
		return t.show()
	case "home":
		t.s.Mode, t.s.Batch = ModeHome, nil
		return t.show()
	}
	return t.staleNotice()
}

// batchScreen shows what 全部通过 covers before it is done: exactly the
// items the queue listed, each as it stands now.
func (t *turn) batchScreen() error {
	var b strings.Builder
	fmt.Fprintf(&b, desk.BatchAsk, len(t.s.Batch))
	n, own := 0, 0
	for _, id := range t.s.Batch {
		sub, err := t.tx.Submission(t.ctx, id)
		if err != nil {
			return err
		}
		if sub == nil || sub.Status != SubSubmitted || !t.canDecide(sub) {
			continue
		}
		f := t.camp.Form(packageForm(sub.Form))
		if !IsPackage(sub.Form) && len(reviewFields(f, t.unit.Level)) > 0 {
			own++ // the reviewer fills fields of it as they approve: one at a time
			continue
		}
		n++
		fmt.Fprintf(&b, "\n%d. %s", n, t.itemLine(PendingItem{ID: sub.ID, Unit: sub.Unit, Form: sub.Form, Version: sub.Version, At: sub.At, Waited: sub.Waited}))
		if !IsPackage(sub.Form) {
			d := snapshotDraft(sub)
			if err := t.withEarlier(f, d); err != nil {
				return err
			}
			if len(softWarnings(f, d)) > 0 {
				b.WriteString(desk.BatchHasWarnings)
			}
		}
	}
	if own > 0 {
		t.note(desk.BatchOneByOne, own)
	}
	if n == 0 {
		t.s.Mode, t.s.Batch = ModeQueue, nil
		t.note(desk.BatchNothingLeft)
		return t.show()
	}
	t.screen(b.String(), [][]Button{{{Label: fmt.Sprintf(desk.BtnConfirmApproveAll, n), Data: "yes"}, {Label: msg.BtnCancel, Data: "no"}}})
	return nil
}

func (t *turn) batchButton(name string) error {
	switch name {
	case "no":
		t.s.Mode, t.s.Batch = ModeQueue, nil
		return t.show()
	case "yes":
		approved, skipped, err := t.approveBatch(t.s.Batch)
		if err != nil {
			return err
		}
		t.note(desk.BatchDone, approved)
		if skipped > 0 {
			t.note(desk.BatchSkipped, skipped)
		}
		t.s.Mode, t.s.Batch, t.s.Page = ModeQueue, nil, 0
		return t.show()
	}
	return t.staleNotice()
}

// approveBatch approves those of ids that still wait for the contact's
// decision, as 全部通过 does in the chat and on the desk's page; it skips
// (and counts) the others and those the reviewer fills fields of as they
// approve, which are approved one by one.
func (t *turn) approveBatch(ids []int64) (approved, skipped int, err error) {
	for _, id := range ids {
		sub, err := t.tx.Submission(t.ctx, id)
		if err != nil {
			return 0, 0, err
		}
		if sub == nil || sub.Campaign != t.c.Campaign || sub.Status != SubSubmitted || !t.canDecide(sub) || len(reviewFields(t.camp.Form(sub.Form), t.unit.Level)) > 0 {
			skipped++
			continue
		}
		if err := t.approve(sub); err != nil {
			return 0, 0, err
		}
		approved++
	}
	return approved, skipped, nil
}

// itemScreen shows one submission in full for its reviewer: every value,
// what changed since the version before, its documents, and 通过 / 退回.
func (t *turn) itemScreen() error {
	sub, err := t.tx.Submission(t.ctx, t.s.Item)
	if err != nil {
		return err
	}
	if sub == nil || !t.canDecide(sub) || t.camp.Form(packageForm(sub.Form)) == nil {
		t.s.Mode, t.s.Item = ModeHome, 0
		return t.show()
	}
	text, buttons, err := t.describe(sub)
	if err != nil {
		return err
	}
	buttons = append(buttons, []Button{{Label: desk.BtnBackToQueue, Data: "queue"}, {Label: msg.BtnHome, Data: "home"}})
	t.screen(text, buttons)
	return nil
}

func (t *turn) itemButton(name string) error {
	switch name {
	case "queue":
		t.s.Mode, t.s.Item = ModeQueue, 0
		return t.show()
	case "home":
		t.s.Mode, t.s.Item = ModeHome, 0
		return t.show()
	}
	return t.staleNotice()
}

// describe is a submission as its reviewer reads it, with the buttons
// that act on it while it waits (and none once it was handled, which the
// text then says: by whom, when).
func (t *turn) describe(sub *Submission) (string, [][]Button, error) {
	if IsPackage(sub.Form) {
		return t.describePackage(sub)
	}
	f, unit := t.camp.Form(sub.Form), t.camp.Units[sub.Unit]
	d := snapshotDraft(sub)
	if err := t.withEarlier(f, d); err != nil {
		return "", nil, err
	}
	text := fmt.Sprintf(msg.ReviewRequest, unit.Name, f.Name(), sub.Version) + "\n\n" + summary(f, d)
	prev, err := t.tx.PreviousSubmission(t.ctx, sub)
	if err != nil {
		return "", nil, err
	}
	if prev != nil {
		changes := Diff(f, prev.Data, sub.Data)
		if len(changes) == 0 {
			changes = []string{msg.NoChanges}
		}
		text += "\n\n" + fmt.Sprintf(msg.ChangesSince, prev.Version) + "\n· " + strings.Join(changes, "\n· ")
	}
	if warnings := softWarnings(f, d); len(warnings) > 0 {
		text += "\n\n" + desk.ItemWarnings + "\n· " + strings.Join(warnings, "\n· ")
	}
	buttons := fileButtons(f, sub)
	if sub.Status == SubSubmitted {
		id := strconv.FormatInt(sub.ID, 10)
		buttons = append(buttons, []Button{{Label: msg.BtnApprove, Data: reviewPrefix + id + ":ok"}, {Label: msg.BtnReturn, Data: reviewPrefix + id + ":no"}})
	} else {
		handled, err := t.handledLine(sub)
		if err != nil {
			return "", nil, err
		}
		text += "\n\n" + handled
	}
	return text, buttons, nil
}

// handledLine says who decided a submission and when: 已由杭州市 赵主任 于
// 12月3日 10:05 通过。
func (t *turn) handledLine(sub *Submission) (string, error) {
	events, err := t.tx.History(t.ctx, sub.ID)
	if err != nil {
		return "", err
	}
	if len(events) == 0 {
		return subStatusName(sub.Status), nil
	}
	last := events[len(events)-1]
	who := last.By
	if u := t.camp.Units[last.ByUnit]; u != nil {
		who = u.Name + " " + who
	}
	return fmt.Sprintf(desk.HandledBy, strings.TrimSpace(who), last.At.In(t.camp.TimeZone).Format("1月2日 15:04"), statusVerb(last.Status)), nil
}

// statusVerb is what a step did: 通过, 退回, 撤回, 提交.
func statusVerb(s SubmissionStatus) string {
	switch s {
	case SubApproved:
		return desk.VerbApproved
	case SubReturned:
		return desk.VerbReturned
	case SubWithdrawn:
		return desk.VerbWithdrawn
	case SubExempt, SubNotReceived:
		return markName(s)
	}
	return desk.VerbSubmitted
}

// fileButtons offer each document of a submission (查看原文), sent on a press.
func fileButtons(f *campaign.Form, sub *Submission) [][]Button {
	var out [][]Button
	for n, fv := range submissionFiles(f, sub) {
		out = append(out, []Button{{Label: fmt.Sprintf(desk.BtnOpenFile, fv.Name), Data: filePrefix + strconv.FormatInt(sub.ID, 10) + ":" + strconv.Itoa(n)}})
	}
	return out
}

// fileOf is the n-th document of a submission, in the order fileButtons
// offers them.
func fileOf(f *campaign.Form, sub *Submission, n int) (campaign.FileValue, bool) {
	files := submissionFiles(f, sub)
	if n < 0 || n >= len(files) {
		return campaign.FileValue{}, false
	}
	return files[n], true
}

// submissionFiles are a submission's documents in the form's order:
// section by section, row by row, field by field.
func submissionFiles(f *campaign.Form, sub *Submission) []campaign.FileValue {
	var out []campaign.FileValue
	for _, s := range f.Sections {
		for _, r := range sub.Data.Sections[s.ID] {
			for _, fd := range s.Fields {
				if fd.Type != campaign.File {
					continue
				}
				if fv, ok := campaign.DecodeFile(r.Values[fd.ID]); ok {
					out = append(out, fv)
				}
			}
		}
	}
	return out
}

// sendFile answers 查看原文: the document itself, to whoever may see the
// submission (its reviewers, and its own unit's contacts).
func (t *turn) sendFile(rest string) error {
	idText, nText, _ := strings.Cut(rest, ":")
	id, err1 := strconv.ParseInt(idText, 10, 64)
	n, err2 := strconv.Atoi(nText)
	if err1 != nil || (err2 != nil && nText != packageSheet) {
		return t.staleNotice()
	}
	sub, err := t.tx.Submission(t.ctx, id)
	if err != nil {
		return err
	}
	if sub != nil && sub.Campaign == t.c.Campaign && IsPackage(sub.Form) && nText == packageSheet {
		return t.sendPackageSheet(sub)
	}
	if sub == nil || sub.Campaign != t.c.Campaign || IsPackage(sub.Form) || (sub.Unit != t.c.Unit && !t.canReview(sub.Unit) && !t.sees(sub.Unit)) {
		t.note(msg.NotYourReview)
		return t.show()
	}
	f := t.camp.Form(sub.Form)
	fv, ok := fileOf(f, sub, n)
	if f == nil || !ok {
		return t.staleNotice()
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(desk.FileSent, fv.Name, t.camp.Units[sub.Unit].Name, shortName(f)),
		Attach: &Attachment{File: fv.Ref, Name: fv.Name}})
	return nil
}

// packageSheet, in place of a document's number, asks for a package's
// spreadsheet.
const packageSheet = "x"

// sendPackageSheet sends the spreadsheet of a package to whoever may read
// the package: the unit that forwarded it and the reviewers above it.
func (t *turn) sendPackageSheet(pkg *Submission) error {
	f := t.camp.Form(packageForm(pkg.Form))
	if f == nil || (pkg.Unit != t.c.Unit && !t.canDecide(pkg) && !t.sees(pkg.Unit)) {
		t.note(msg.NotYourReview)
		return t.show()
	}
	t.replies = append(t.replies, Reply{Text: fmt.Sprintf(desk.PackageSheetSent, t.camp.Units[pkg.Unit].Name, f.ShortName(), pkg.Version),
		Attach: &Attachment{Export: &ExportRef{Unit: pkg.Unit, Form: f.ID, Package: pkg.ID}}})
	return nil
}

// sees reports whether unit lies in the contact's subtree as a reviewer
// (a higher level may read what a package carries).
func (t *turn) sees(unit string) bool {
	return t.reviews() && t.camp.Units[unit] != nil && t.camp.InSubtree(t.c.Unit, unit)
}

// softWarnings are the soft rules a submitted form breaks, which its
// contact confirmed before submitting: the reviewer should look at them.
func softWarnings(f *campaign.Form, d *campaign.Draft) []string {
	var out []string
	for _, s := range f.Sections {
		for _, key := range d.RowKeys(s) {
			for _, fl := range d.CheckRow(f, s, key, "", nil) {
				if !fl.Blocks() {
					out = append(out, campaign.RowLabel(d, s, key)+fl.Message)
				}
			}
		}
	}
	return out
}

// snapshotDraft is a submission's answers as a draft, for reading them
// with the draft's methods (summary, Problems).
func snapshotDraft(sub *Submission) *campaign.Draft {
	return campaign.DraftOf(sub.Campaign, sub.Unit, sub.Form, sub.Data)
}
