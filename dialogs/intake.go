// Package dialogs holds the resident conversation: the intake as a looplab/fsm machine
// rebuilt for every turn from the saved State, and the validators for each answer. It
// does no I/O; it returns message keys (locales.Msg) and tells the caller when the
// intake is ready to be filed.
package dialogs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/looplab/fsm"

	"github.com/dinsospmd-bateng/silakso/locales"
)

// Input is one resident message as the dialog sees it.
type Input struct {
	Text string
	// From is the sender's number in E.164, offered as the contact number.
	From string
	// MessageID identifies the message; the message that starts an intake names it, so
	// that filing the same intake twice is recognisable.
	MessageID string
}

// Result is what a turn produced.
type Result struct {
	Replies []locales.Msg
	// Submit asks the caller to file State.Answers, then call Filed (or FileFailed).
	Submit bool
	// ShowCases asks the caller to list the sender's cases (menu choice 2).
	ShowCases bool
	// Contact asks the caller to give the office's contact and wait for a question for
	// an officer (menu choice 4); Question carries that question, to pass on.
	Contact  bool
	Question string
	// Withdraw names a confirmed intake waiting to be filed (State.Parked) that the
	// resident cancelled or is changing: the caller takes it back from the parking
	// before anything else, or, if it was filed meanwhile, gives its ticket.
	Withdraw string
	// keepStrikes: an answer not understood, though not an error (at the menu).
	keepStrikes bool
}

func reply(msgs ...locales.Msg) Result { return Result{Replies: msgs} }

// Intake is the resident intake conversation. It is safe for concurrent use: all
// per-resident data lives in State.
type Intake struct {
	regions *Regions
	kw      *Keywords
	events  []fsm.EventDesc
	// machines are built once from events and reused, set to the saved step each time:
	// building one (its maps of transitions) cost more than the rest of a turn's
	// dialog step.
	machines sync.Pool
	// Refused hears of a step the machine refused where the code had checked it may be
	// taken (a session saved at a step the table no longer has); nil ignores them.
	Refused func(error)
}

// NewIntake builds the conversation over the given regions and keywords.
func NewIntake(regions *Regions, kw *Keywords) *Intake {
	d := &Intake{regions: regions, kw: kw, events: intakeEvents()}
	d.machines.New = func() any { return fsm.NewFSM(StepMenu, d.events, nil) }
	return d
}

// machine returns the intake machine at step; give it back with d.machines.Put.
func (d *Intake) machine(step string) *fsm.FSM {
	m := d.machines.Get().(*fsm.FSM)
	m.SetState(step)
	return m
}

// intakeEvents is the transition table: "next" and "back" walk the question order,
// "edit:<step>" jumps from the summary to one question and "review" returns to it,
// "pause"/"continue:<step>" park and resume an abandoned intake.
func intakeEvents() []fsm.EventDesc {
	order := append(append([]string{}, intakeOrder...), StepConfirm)
	asking := append(append([]string{}, intakeOrder...), StepContact, StepContactOther, StepFilerName)
	ev := []fsm.EventDesc{
		{Name: "start", Src: []string{StepMenu, StepResume}, Dst: StepRelation},
		{Name: "reset", Src: append(append([]string{}, asking...), StepConfirm, StepResume), Dst: StepMenu},
		{Name: "other_number", Src: []string{StepContact}, Dst: StepContactOther},
		{Name: "next", Src: []string{StepContact, StepContactOther}, Dst: StepConfirm},
		{Name: "back", Src: []string{StepRelation}, Dst: StepMenu},
		{Name: "back", Src: []string{StepContact}, Dst: StepDescription},
		{Name: "ask_number", Src: []string{StepConfirm}, Dst: StepContactOther},
		{Name: "ask_filer", Src: []string{StepConfirm}, Dst: StepFilerName},
		{Name: "next", Src: []string{StepFilerName}, Dst: StepConfirm},
		{Name: "back", Src: []string{StepFilerName}, Dst: StepDescription},
		{Name: "back", Src: []string{StepContactOther}, Dst: StepContact},
		{Name: "review", Src: asking, Dst: StepConfirm},
		{Name: "pause", Src: append(append([]string{}, asking...), StepConfirm), Dst: StepResume},
		{Name: "filed", Src: []string{StepConfirm}, Dst: StepMenu},
		{Name: "resume", Src: []string{StepMenu}, Dst: StepResume},
		{Name: "ask", Src: []string{StepMenu}, Dst: StepQuestion},
		{Name: "asked", Src: []string{StepQuestion}, Dst: StepMenu},
		{Name: "back", Src: []string{StepQuestion}, Dst: StepMenu},
	}
	for i := 0; i+1 < len(order); i++ {
		ev = append(ev,
			fsm.EventDesc{Name: "next", Src: []string{order[i]}, Dst: order[i+1]},
			fsm.EventDesc{Name: "back", Src: []string{order[i+1]}, Dst: order[i]})
	}
	for _, s := range summaryLines {
		ev = append(ev, fsm.EventDesc{Name: "edit:" + s, Src: []string{StepConfirm}, Dst: s})
	}
	for _, s := range append(asking, StepConfirm) {
		ev = append(ev, fsm.EventDesc{Name: "continue:" + s, Src: []string{StepResume}, Dst: s})
	}
	return ev
}

// fire moves st along the machine, set to the saved step: the machine is the rulebook,
// the State is the memory.
func (d *Intake) fire(st *State, event string) error {
	if st.Step == "" {
		st.Step = StepMenu
	}
	m := d.machine(st.Step)
	defer d.machines.Put(m)
	if err := m.Event(context.Background(), event); err != nil {
		var same fsm.NoTransitionError
		if !errors.As(err, &same) {
			return err
		}
	}
	st.Step = m.Current()
	st.Strikes = 0
	return nil
}

// step fires an event the caller has checked the table allows. Should the table refuse
// it all the same, the conversation is put back at the menu, its answers kept (1 at the
// menu offers them), rather than left at a step the machine cannot leave, and Refused
// hears of it.
func (d *Intake) step(st *State, event string) {
	from := st.Step
	if err := d.fire(st, event); err != nil {
		st.Step, st.Editing, st.ConfirmCancel = StepMenu, false, false
		if d.Refused != nil {
			d.Refused(fmt.Errorf("dialogs: %s from %s: %w", event, from, err))
		}
	}
}

// can reports whether event is allowed from st's step.
func (d *Intake) can(st *State, event string) bool {
	m := d.machine(st.Step)
	defer d.machines.Put(m)
	return m.Can(event)
}

// Welcome greets a first-time sender with who we are, the privacy notice and the menu.
func (d *Intake) Welcome(st *State) Result {
	*st = State{Step: StepMenu}
	return reply(locales.M("menu.welcome"))
}

// Menu shows the main menu (MENU/MULAI). An intake in progress is kept, not thrown
// away: its answers wait, and 1 at the menu offers to continue it. (A filing that
// waits to be filed is filed anyway; its intake is closed.)
func (d *Intake) Menu(st *State) Result {
	if st.Step == StepQuestion {
		d.step(st, "back") // the question not asked: the menu, with what it kept
	}
	if st.InIntake() && !st.Parked && (st.Answers != Answers{} || st.Paused != "") {
		paused := st.Step
		if st.Step == StepResume {
			paused = st.Paused
		}
		if err := d.fire(st, "reset"); err == nil {
			st.Paused, st.Editing, st.Strikes, st.ConfirmCancel = paused, false, 0, false
			return reply(d.menuMsg(st))
		}
	}
	if st.Step == StepMenu && st.Paused != "" {
		st.Strikes = 0
		return reply(d.menuMsg(st))
	}
	*st = State{Step: StepMenu}
	return reply(locales.M("menu.main"))
}

// menuMsg is the main menu, saying so when an intake waits to be continued.
func (d *Intake) menuMsg(st *State) locales.Msg {
	if st.Paused != "" {
		return locales.M("menu.main_kept")
	}
	return locales.M("menu.main")
}

// Cancel drops the intake in progress (BATAL), after asking once when answers would be
// lost.
func (d *Intake) Cancel(st *State) Result {
	switch {
	case !st.InIntake() && st.Paused == "":
		return reply(locales.M("intake.nothing_to_cancel"))
	case st.InIntake() && !st.ConfirmCancel && st.Answers != Answers{}:
		st.ConfirmCancel = true
		return reply(locales.M("intake.cancel_confirm"))
	}
	return d.cancelled(st)
}

// cancelled drops the intake; a parked one is to be withdrawn.
func (d *Intake) cancelled(st *State) Result {
	r := reply(locales.M("intake.cancelled"))
	if st.Parked {
		r.Withdraw = st.IntakeID
	}
	*st = State{Step: StepMenu}
	return r
}

// Back returns to the previous question (KEMBALI); while editing one answer from the
// summary it returns to the summary.
func (d *Intake) Back(st *State) Result {
	switch {
	case !st.InIntake():
		return d.Menu(st)
	case st.Step == StepResume:
		return reply(d.Prompt(st))
	case st.Editing && st.Step == StepDesa && st.Answers.Desa == "":
		// A new kecamatan was chosen and no desa yet: back to the kecamatan, never to a
		// summary without a desa.
		d.step(st, "back")
	case st.Editing && st.Step != StepConfirm:
		st.Editing = false
		d.step(st, "review")
	default:
		d.step(st, "back")
	}
	return reply(d.Prompt(st))
}

// AfterPause takes a message that comes after the intake was left for a while as the
// answer to the question it was at, when it cannot mean anything else: a NIK, or a
// phone number, typed at the question that asks for it (the NIK typed after fetching
// the KTP), or one of the words of a numbered question's options ("sembako" at the
// kind of help, "koba" at the kecamatan). Anything else may be someone starting afresh
// ("1" for the menu, "halo"), so the resident is asked whether to continue (Pause). ok
// is false when it is no such answer.
func (d *Intake) AfterPause(st *State, in Input) (Result, bool) {
	switch st.Step {
	case StepNIK, StepContactOther:
		if len(Digits(in.Text)) < 8 {
			return Result{}, false
		}
	case StepRelation, StepKecamatan, StepDesa, StepNeed:
		if Digits(in.Text) != "" || d.kw.IsGreeting(in.Text) || d.kw.isMore(in.Text) {
			return Result{}, false
		}
	default:
		return Result{}, false
	}
	cp := *st
	cp.Strikes = 0
	r := d.Handle(&cp, in)
	if cp.Strikes != 0 || r.Submit {
		return Result{}, false
	}
	*st = cp
	return r, true
}

// WantsHuman reports whether a message in the middle of an intake asks for a person
// ("saya mau bicara dengan petugas"), at any question but the description (whose words
// may be about an officer).
func (d *Intake) WantsHuman(st *State, text string) bool {
	return st.InIntake() && st.Step != StepDescription && d.kw.Mentions(text, "menu", 3)
}

// ToHuman leaves the intake for the office's contact and a question for an officer;
// the answers are kept, and 1 at the menu continues them.
func (d *Intake) ToHuman(st *State) Result {
	d.Menu(st)
	if err := d.fire(st, "ask"); err != nil {
		return d.Menu(st)
	}
	return Result{Contact: true}
}

// DropQuestion leaves the question step for the menu (the question was not written in
// time: what comes now is something else).
func (d *Intake) DropQuestion(st *State) {
	if st.Step == StepQuestion {
		d.step(st, "back")
	}
}

// Pause parks an intake that was left for a while and asks whether to continue it.
func (d *Intake) Pause(st *State, in Input) Result {
	if !d.can(st, "pause") {
		return Result{}
	}
	if st.FreeText() && !IsNumber(in.Text) && !d.kw.IsGreeting(in.Text) && strings.Contains(strings.TrimSpace(in.Text), " ") {
		// An address or a description typed after a while may be the answer, or the
		// start of something else: it is kept, and becomes the answer if the resident
		// continues (not typed again on a keypad).
		st.Kept = in.Text
	}
	st.Paused = st.Step
	d.step(st, "pause")
	return reply(locales.M("intake.resume"))
}

// Filed closes the intake after the caller stored it under ticket.
func (d *Intake) Filed(st *State, ticket string) Result {
	noNIK := st.Answers.NoNIK
	d.step(st, "filed")
	*st = State{Step: StepMenu}
	r := reply(locales.M("intake.submitted", "Ticket", ticket))
	if noNIK {
		r.Replies = append(r.Replies, locales.M("intake.submitted_no_nik"))
	}
	return r
}

// FileFailed tells the resident the case store is down; the answers stay at the summary
// and the next YA files them.
func (d *Intake) FileFailed(st *State) Result {
	st.Parked = true
	return reply(locales.M("intake.file_failed"))
}

// FileRetry tells the resident the case store is down and the intake could not be kept
// for later either; the answers stay at the summary and the next YA files them.
func (d *Intake) FileRetry(st *State) Result {
	return reply(locales.M("intake.file_retry"))
}

// Handle takes the answer to the current question.
func (d *Intake) Handle(st *State, in Input) Result {
	if st.Step == "" {
		return d.Welcome(st)
	}
	if st.ConfirmCancel {
		st.ConfirmCancel = false
		if n, err := d.kw.choice(in.Text, "cancel", true); err == nil && n == 0 {
			return d.cancelled(st)
		}
		// Anything but yes keeps the answers: the question again.
		return reply(d.Prompt(st))
	}
	r, err := d.answer(st, in)
	if err == nil {
		if !r.keepStrikes {
			st.Strikes = 0
		}
		return r
	}
	var ie *InputError
	if !errors.As(err, &ie) {
		// A transition the table does not allow is a bug; start over rather than trap
		// the resident in a step with no way out.
		m := d.Menu(st)
		m.Withdraw = r.Withdraw
		return m
	}
	// After three wrong answers in a row, say what is wrong once more and offer help
	// instead of letting the resident loop on the same question.
	st.Strikes++
	res := reply(ie.Msg)
	if st.Strikes%3 == 0 {
		res = reply(locales.M("error.too_many", "Error", ie.Msg)) // one message, not two
	}
	res.Withdraw = r.Withdraw // a parked copy taken back before the answer was refused
	return res
}

func (d *Intake) answer(st *State, in Input) (Result, error) {
	if r, ok, err := d.editAtFreeText(st, in); ok {
		return r, err
	}
	if st.InIntake() && st.Step != StepResume && st.Step != StepConfirm && d.kw.IsGreeting(in.Text) {
		// "assalamualaikum" or "P" in the middle of the questions: never an answer; the
		// question again, with no mark against them.
		return Result{Replies: []locales.Msg{d.Prompt(st)}, keepStrikes: true}, nil
	}
	a := &st.Answers
	switch st.Step {
	case StepMenu:
		return d.menuChoice(st, in)
	case StepQuestion:
		if _, isNumber := d.kw.number(in.Text); isNumber || !strings.Contains(strings.TrimSpace(in.Text), " ") {
			// A menu digit after the office's contact, or a greeting or a word: not a
			// question, the menu takes it.
			if err := d.fire(st, "asked"); err != nil {
				return Result{}, err
			}
			return d.menuChoice(st, in)
		}
		q, err := ParseText(in.Text, questionMin, questionMax)
		if err != nil {
			return Result{}, err
		}
		if err := d.fire(st, "asked"); err != nil {
			return Result{}, err
		}
		return Result{Question: q}, nil
	case StepResume:
		n, err := d.kw.choice(in.Text, "resume", true)
		if err != nil {
			return Result{}, err
		}
		kept := st.Kept
		st.Kept = ""
		if n == 0 {
			paused := st.Paused
			st.Paused = ""
			if kept != "" {
				if err := d.fire(st, "continue:"+paused); err != nil {
					return Result{}, err
				}
				if r, err := d.answer(st, Input{Text: kept, From: in.From, MessageID: in.MessageID}); err == nil {
					return r, nil
				}
				return reply(d.Prompt(st)), nil // not an answer after all: the question
			}
			return d.to(st, "continue:"+paused)
		}
		return d.start(st, in)
	case StepRelation:
		n, err := d.kw.choice(in.Text, "relation", false)
		if err != nil {
			return Result{}, err
		}
		// Line 1 of the summary is who it is for and who files: the filer's name is
		// asked again when it is for someone else.
		a.Relation, a.FilerName = relations[n], ""
	case StepName:
		name, err := d.parseName(in.Text)
		if err != nil {
			return Result{}, err
		}
		a.Name = name
	case StepNIK:
		nik, err := ParseNIK(in.Text, d.kw.noNIK)
		if kept := without(normalise(in.Text), d.kw.courtesy); err != nil && len(kept) > 0 {
			// "lupa pak", "1904... bu": the answer without the words of address.
			if n, e := ParseNIK(strings.Join(kept, " "), d.kw.noNIK); e == nil {
				nik, err = n, nil
			}
		}
		if err != nil {
			return Result{}, err
		}
		a.NIK, a.NoNIK = nik.Number, nik.Missing
	case StepKecamatan:
		n, err := parseChoice(d.kw.numberOr(in.Text), d.kecamatanOptions())
		if err != nil {
			if n, err = parseChoice(d.kw.place(in.Text), d.kecamatanOptions()); err != nil {
				return Result{}, err
			}
		}
		st.DesaPage = 0
		if k := d.regions.Kecamatan[n].Name; k != a.Kecamatan {
			a.Kecamatan, a.Desa, a.DesaCode = k, "", ""
		}
		// The desa always follows: it depends on the kecamatan, even when editing.
		return d.to(st, "next")
	case StepDesa:
		if d.kw.isMore(in.Text) {
			st.DesaPage++
			return Result{Replies: []locales.Msg{d.Prompt(st)}, keepStrikes: true}, nil
		}
		desa, err := d.chooseDesa(a.Kecamatan, d.kw.numberOr(in.Text))
		if err != nil {
			var e2 error
			if desa, e2 = d.chooseDesa(a.Kecamatan, d.kw.place(in.Text)); e2 != nil {
				return Result{}, err
			}
		}
		a.Desa, a.DesaCode = desa.Name, desa.Code
	case StepAddress:
		t, err := ParseText(in.Text, addressMin, addressMax)
		if err != nil {
			return Result{}, err
		}
		a.Address = t
	case StepNeed:
		n, err := d.kw.choice(in.Text, "need", false)
		if err != nil {
			return Result{}, err
		}
		a.Need = needs[n]
		if a.Description != "" && !st.Editing {
			// Told at the start in the resident's own words: not asked again (the
			// summary shows it, and UBAH changes it).
			if err := d.fire(st, "next"); err != nil {
				return Result{}, err
			}
		}
	case StepDescription:
		t, err := ParseText(in.Text, descriptionMin, descriptionMax)
		if err != nil {
			return Result{}, err
		}
		a.Description = t
	case StepContact:
		if p, err := ParsePhone(in.Text); err == nil && len(in.Text) >= 9 {
			// The other number typed at once, without choosing 2 first.
			a.Contact = p
			break
		}
		n, err := d.kw.choice(in.Text, "contact", true)
		if err != nil {
			return Result{}, err
		}
		if n == 1 {
			return d.to(st, "other_number")
		}
		a.Contact = in.From
	case StepContactOther:
		p, err := ParsePhone(in.Text)
		if err != nil {
			return Result{}, err
		}
		a.Contact = p
	case StepFilerName:
		name, err := d.parseName(in.Text)
		if err != nil {
			return Result{}, err
		}
		a.FilerName = name
		st.Editing = false // the summary follows, whatever led here
	case StepConfirm:
		return d.confirm(st, in)
	}
	if st.Editing {
		st.Editing = false
		return d.to(st, "review")
	}
	return d.to(st, "next")
}

// to fires event and asks the question of the step it leads to.
func (d *Intake) to(st *State, event string) (Result, error) {
	if err := d.fire(st, event); err != nil {
		return Result{}, err
	}
	a := &st.Answers
	if st.Step == StepConfirm && a.Relation != "self" && a.FilerName == "" {
		// Filed for someone else: the officer needs to know whom they speak to at the
		// number that wrote.
		if err := d.fire(st, "ask_filer"); err != nil {
			return Result{}, err
		}
	}
	if st.Step == StepConfirm && a.Contact == "" {
		// The number written from is the contact until the resident changes it (UBAH 8);
		// with no number to offer, it is asked for.
		if a.Contact = st.From; st.From == "" {
			if err := d.fire(st, "ask_number"); err != nil {
				return Result{}, err
			}
		}
	}
	return reply(d.Prompt(st)), nil
}

func (d *Intake) start(st *State, in Input) (Result, error) {
	*st = State{Step: st.Step, IntakeID: in.From + "/" + in.MessageID, From: in.From}
	return d.to(st, "start")
}

// Request starts an intake from a message that asks for help in the resident's own
// words (Keywords.IsRequest), keeping the words as the description, so that they are
// not asked for them again; words that only ask ("saya mau minta bantuan") are not
// kept, and the description is asked for in its turn. first says it is the resident's
// first message: the welcome's notice on their data comes with it.
func (d *Intake) Request(st *State, in Input, first bool) Result {
	r, err := d.start(st, in)
	if err != nil {
		return d.Menu(st)
	}
	if !d.kw.SaysWhat(in.Text) {
		if first {
			return reply(append([]locales.Msg{locales.M("intake.welcome_request")}, r.Replies...)...)
		}
		return r
	}
	kept := locales.M("intake.draft_kept")
	if first {
		kept = locales.M("intake.draft_kept_new")
	}
	if t, err := ParseText(in.Text, descriptionMin, descriptionMax); err == nil {
		st.Answers.Description = t
		return reply(append([]locales.Msg{kept}, r.Replies...)...)
	}
	return r
}

// IsRequest reports whether text asks for help in the sender's own words.
func (d *Intake) IsRequest(text string) bool { return d.kw.IsRequest(text) }

// AsksForHuman reports whether text asks for a person ("mau bicara dengan petugas").
func (d *Intake) AsksForHuman(text string) bool { return d.kw.Mentions(text, "menu", 3) }

// IsGreeting reports whether text is only a greeting.
func (d *Intake) IsGreeting(text string) bool { return d.kw.IsGreeting(text) }

func (d *Intake) menuChoice(st *State, in Input) (Result, error) {
	n, err := d.kw.choice(in.Text, "menu", false)
	if err != nil && d.kw.Mentions(in.Text, "menu", 3) {
		n, err = 3, nil // "saya mau bicara dengan petugas"
	}
	if err != nil {
		if d.kw.IsRequest(in.Text) {
			return d.Request(st, in, false), nil
		}
		if d.kw.IsGreeting(in.Text) {
			// "halo" again, or "selamat pagi": the menu, and no mark against them.
			return Result{Replies: []locales.Msg{d.menuMsg(st)}, keepStrikes: true}, nil
		}
		// Someone who writes "halo" again at the menu needs the menu, not a scolding;
		// the second time in a row, a plainer way out, with a human among the choices.
		st.Strikes++
		if st.Strikes >= 2 {
			return Result{Replies: []locales.Msg{locales.M("menu.not_understood")}, keepStrikes: true}, nil
		}
		return Result{Replies: []locales.Msg{d.menuMsg(st)}, keepStrikes: true}, nil
	}
	switch n {
	case 0:
		if st.Paused != "" {
			// "1 Lanjutkan permohonan": the intake left with MENU goes on where it was
			// (BATAL, then 1, starts a new one).
			paused := st.Paused
			if err := d.fire(st, "resume"); err != nil {
				return Result{}, err
			}
			st.Paused = ""
			return d.to(st, "continue:"+paused)
		}
		return d.start(st, in)
	case 1:
		return Result{ShowCases: true}, nil
	case 2:
		return reply(locales.M("menu.info")), nil
	default:
		if err := d.fire(st, "ask"); err != nil {
			return Result{}, err
		}
		return Result{Contact: true}, nil
	}
}

// parseName reads a name, refusing the words that answer something else ("ya pak",
// "iya bu"): they would reach the officer as the resident's name.
func (d *Intake) parseName(text string) (string, error) {
	if d.kw.isYes(text) || len(without(normalise(text), append(append([]string{}, d.kw.courtesy...), d.kw.yes...))) == 0 {
		return "", reject("error.name_words")
	}
	return ParseName(text)
}

// editAtFreeText reads "UBAH 2" (or "ubah nama") written where a name, an address or a
// description is expected, which no one means as the answer: while one line of the
// summary is being changed, it changes that line instead; before the summary, the
// resident is told changes come there. ok is false for any other answer.
func (d *Intake) editAtFreeText(st *State, in Input) (Result, bool, error) {
	if !st.FreeText() || st.Step == StepQuestion {
		return Result{}, false, nil
	}
	line, isEdit := d.kw.parseEdit(in.Text)
	if !isEdit || line == "" || strings.Contains(line, " ") {
		return Result{}, false, nil
	}
	n, err := parseChoice(d.kw.numberOr(line), d.kw.options["line"])
	if err != nil {
		return Result{}, false, nil
	}
	if !st.Editing {
		return Result{}, true, reject("intake.edit_later")
	}
	if err := d.fire(st, "review"); err != nil {
		return Result{}, true, err
	}
	r, err := d.to(st, "edit:"+summaryLines[n])
	return r, true, err
}

func (d *Intake) confirm(st *State, in Input) (Result, error) {
	if d.kw.isYes(in.Text) {
		if st.Answers.Desa == "" {
			// Nothing is filed without its desa: ask for the region again.
			st.Editing = true
			return d.to(st, "edit:"+StepKecamatan)
		}
		return Result{Submit: true}, nil
	}
	if p, err := ParsePhone(in.Text); err == nil && len(Digits(in.Text)) >= 9 {
		// Another contact number typed at the summary: taken, and the summary again.
		st.Answers.Contact = p
		return reply(d.Prompt(st)), nil
	}
	line, ok := d.kw.parseEdit(in.Text)
	if !ok && IsNumber(in.Text) {
		// The summary lines are numbered: a keypad user replying "5" after the hint
		// "UBAH dan nomor baris" means line 5.
		line, ok = in.Text, true
	}
	if ok {
		if line == "" {
			return Result{}, reject("intake.edit_how")
		}
		// "UBAH 2", "UBAH NAMA", or the new answer at once: "UBAH 8 0812...",
		// "UBAH 2 Siti Aminah".
		value := ""
		n, err := parseChoice(d.kw.numberOr(line), d.kw.options["line"])
		if err != nil {
			first, rest, _ := strings.Cut(line, " ")
			if n, err = parseChoice(d.kw.numberOr(first), d.kw.options["line"]); err != nil {
				return Result{}, err
			}
			// The value as typed, not upper-cased as the command was read.
			words := strings.Fields(Clean(in.Text))
			value = strings.Join(words[max(0, len(words)-len(strings.Fields(rest))):], " ")
		}
		withdraw := ""
		if st.Parked {
			// The copy waiting to be filed has the old answers: it is taken back, and
			// the changed intake is filed under a new name at the next YA (so that the
			// old copy, had it been filed meanwhile, is not returned in its place).
			withdraw, st.Parked = st.IntakeID, false
			st.IntakeID += "+"
		}
		st.Editing = true
		r, err := d.to(st, "edit:"+summaryLines[n])
		if err == nil && value != "" {
			r, err = d.answer(st, Input{Text: value, From: in.From, MessageID: in.MessageID})
		}
		r.Withdraw = withdraw
		return r, err
	}
	return Result{}, reject("intake.confirm_how")
}

func (d *Intake) kecamatanOptions() []option {
	opts := make([]option, len(d.regions.Kecamatan))
	for i, k := range d.regions.Kecamatan {
		opts[i] = option{names: placeNames(k.Name)}
	}
	return opts
}

// chooseDesa reads a desa of kecamatan by number or name. A name that belongs to
// another kecamatan gets an answer that says where it is.
func (d *Intake) chooseDesa(kecamatan, text string) (Desa, error) {
	k, ok := d.regions.KecamatanByName(kecamatan)
	if !ok {
		return Desa{}, reject("error.choice", "Max", 0)
	}
	opts := make([]option, len(k.Desa))
	for i, desa := range k.Desa {
		opts[i] = option{names: placeNames(desa.Name)}
	}
	n, err := parseChoice(text, opts)
	if err == nil {
		return k.Desa[n], nil
	}
	var all []Desa
	var allOpts []option
	for _, other := range d.regions.Kecamatan {
		for _, desa := range other.Desa {
			all = append(all, desa)
			allOpts = append(allOpts, option{names: placeNames(desa.Name)})
		}
	}
	if i, e := parseChoice(text, allOpts); e == nil && !IsNumber(text) && all[i].Kecamatan != kecamatan {
		return Desa{}, reject("error.desa_elsewhere", "Desa", all[i].Name, "Kecamatan", all[i].Kecamatan)
	}
	return Desa{}, err
}

// IsNumber reports whether s is a number (a menu choice), ignoring closing punctuation.
func IsNumber(s string) bool {
	t := normalise(s)
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return t != ""
}

// Prompt is the question of the current step.
func (d *Intake) Prompt(st *State) locales.Msg {
	a := st.Answers
	switch st.Step {
	case StepQuestion:
		return locales.M("intake.question")
	case StepRelation:
		return locales.M("intake.relation")
	case StepName:
		if a.Relation == "self" {
			return locales.M("intake.name_self")
		}
		return locales.M("intake.name_other")
	case StepNIK:
		return locales.M("intake.nik")
	case StepKecamatan:
		names := make(locales.Numbered, len(d.regions.Kecamatan))
		for i, k := range d.regions.Kecamatan {
			names[i] = k.Name
		}
		return locales.M("intake.kecamatan", "Options", names)
	case StepDesa:
		k, _ := d.regions.KecamatanByName(a.Kecamatan)
		return desaPrompt(k, st.DesaPage)
	case StepAddress:
		return locales.M("intake.address")
	case StepNeed:
		labels := make(locales.Numbered, len(needs))
		for i, n := range needs {
			labels[i] = locales.M("need." + n)
		}
		return locales.M("intake.need", "Options", labels)
	case StepDescription:
		return locales.M("intake.description")
	case StepContact:
		return locales.M("intake.contact", "Phone", LocalPhone(st.From))
	case StepContactOther:
		return locales.M("intake.contact_other")
	case StepFilerName:
		return locales.M("intake.filer_name")
	case StepConfirm:
		return d.Summary(a)
	case StepResume:
		return locales.M("intake.resume")
	default:
		return locales.M("menu.main")
	}
}

// Summary is the check-before-sending message. Long answers are shortened so that the
// whole summary stays within two SMS; the case keeps them in full.
func (d *Intake) Summary(a Answers) locales.Msg {
	nik := any(locales.M("intake.no_nik"))
	if !a.NoNIK {
		nik = MaskNIK(a.NIK)
	}
	// The filer's own name, asked just before, is not repeated: the summary would no
	// longer fit two SMS. UBAH 1 asks it again with who the help is for.
	return locales.M("intake.summary",
		"Relation", locales.M("relation."+a.Relation),
		"Name", Shorten(a.Name, 24),
		"NIK", nik,
		"Region", locales.M("intake.region", "Desa", a.Desa, "Kecamatan", a.Kecamatan),
		"Address", Shorten(MaskNIKs(a.Address), 24),
		"Need", locales.M("need."+a.Need),
		"Description", Shorten(MaskNIKs(a.Description), 24),
		"Contact", LocalPhone(a.Contact),
	)
}
