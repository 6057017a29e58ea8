package dialogs

// Steps of the resident conversation. They are the states of the intake machine and are
// saved in the session, so renaming one strands conversations in progress.
const (
	StepMenu         = "menu"
	StepRelation     = "relation"
	StepName         = "name"
	StepNIK          = "nik"
	StepKecamatan    = "kecamatan"
	StepDesa         = "desa"
	StepAddress      = "address"
	StepNeed         = "need"
	StepDescription  = "description"
	StepContact      = "contact"
	StepContactOther = "contact_other"
	// StepFilerName asks the name of who files for someone else, before the summary.
	StepFilerName = "filer_name"
	StepConfirm   = "confirm"
	StepResume    = "resume"
	// StepQuestion waits for a resident's question to an officer (menu 4).
	StepQuestion = "question"
)

// intakeOrder is the question order of the intake (docs/architecture.md). The contact
// number is not asked: it is the number the resident writes from, shown in the summary,
// where UBAH 8 changes it (one SMS less for everyone, and most give their own number).
var intakeOrder = []string{
	StepRelation, StepName, StepNIK, StepKecamatan, StepDesa,
	StepAddress, StepNeed, StepDescription,
}

// summaryLines maps the numbered lines of the summary to the step that asks them, so
// that "UBAH 4" reopens the kecamatan (and then the desa).
var summaryLines = []string{
	StepRelation, StepName, StepNIK, StepKecamatan,
	StepAddress, StepNeed, StepDescription, StepContact,
}

// Relations and needs are stored as these codes; the catalogs hold their words under
// "relation.<code>" and "need.<code>", in the order shown to residents.
var (
	relations = []string{"self", "family", "other"}
	needs     = []string{"food", "health", "pkh", "disability", "elderly", "children", "housing", "disaster", "dtsen", "other"}
)

// Answer bounds for the free-text steps.
const (
	questionMin, questionMax       = 3, 500
	addressMin, addressMax         = 3, 100
	descriptionMin, descriptionMax = 10, 500
)

// State is a resident's place in the conversation, saved in the session store between
// messages.
type State struct {
	Step     string  `json:"step"`
	Answers  Answers `json:"answers"`
	IntakeID string  `json:"intake_id,omitempty"`
	// From is the number the intake is being filled from, offered as contact number.
	From string `json:"from,omitempty"`
	// Editing is set while one answer is changed from the summary.
	Editing bool `json:"editing,omitempty"`
	// Strikes counts wrong answers in a row at the current step.
	Strikes int `json:"strikes,omitempty"`
	// Paused is the step to return to when an abandoned intake is resumed (also when
	// MENU left it: its answers are kept, and 1 at the menu offers to continue).
	Paused string `json:"paused,omitempty"`
	// ConfirmCancel is set while BATAL waits for a yes before answers are thrown away.
	ConfirmCancel bool `json:"confirm_cancel,omitempty"`
	// AskCmd and AskText hold a free-text answer that looked like a mistyped keyword
	// (MENUU), while the resident is asked which they meant.
	AskCmd  int    `json:"ask_cmd,omitempty"`
	AskText string `json:"ask_text,omitempty"`
	// Kept is an address or description typed after the intake was left for a while,
	// held while the resident is asked whether to continue: continuing takes it as the
	// answer.
	Kept string `json:"kept,omitempty"`
	// DesaPage is the page of the desa list shown, for a kecamatan whose list does not
	// fit one SMS.
	DesaPage int `json:"desa_page,omitempty"`
	// Parked is set when filing failed and the intake waits to be filed automatically.
	Parked bool `json:"parked,omitempty"`
}

// Answers are the resident's answers so far.
type Answers struct {
	Relation string `json:"relation,omitempty"`
	// FilerName is who files, when it is for someone else.
	FilerName   string `json:"filer_name,omitempty"`
	Name        string `json:"name,omitempty"`
	NIK         string `json:"nik,omitempty"`
	NoNIK       bool   `json:"no_nik,omitempty"`
	Kecamatan   string `json:"kecamatan,omitempty"`
	DesaCode    string `json:"desa_code,omitempty"`
	Desa        string `json:"desa,omitempty"`
	Address     string `json:"address,omitempty"`
	Need        string `json:"need,omitempty"`
	Description string `json:"description,omitempty"`
	Contact     string `json:"contact,omitempty"`
}

// InIntake reports whether the resident is in the middle of an intake.
func (s *State) InIntake() bool { return s.Step != "" && s.Step != StepMenu && s.Step != StepQuestion }

// FreeText reports whether the current step takes free text, where words that look like
// keywords are more likely to be answers.
func (s *State) FreeText() bool {
	return s.Step == StepName || s.Step == StepFilerName || s.Step == StepAddress || s.Step == StepDescription || s.Step == StepQuestion
}
