package webapp_test

// The trial's county (../shared/trials/2026-12-07-ux.md §1): every form of
// the first campaign for one county, with 4 parks (2 可建成, 1 完成改造提升,
// 1 开工建设) and 2 policy documents (one with its PDF), 附件4 compiled
// locally with its plan and 30 figures. The same data is filled in the
// chat and on the page, and the inputs each takes are counted.

// trialPark is one park of 附件2: its section and eight answers in the
// form's order (the choices among them pressed, the others typed).
type trialPark struct {
	section string
	values  [8]string
}

var (
	trialA1 = []string{"滨江区小微企业园工作联席会议", "张明", "区政府副区长", "李华", "0571-87059132"}
	// choices: the 3rd (园区类型) and, but for 完成改造提升, the 5th (开发建设模式).
	trialParks = []trialPark{
		{"completed", [8]string{"滨江智造小微园", "滨江区浦沿街道东信大道 66 号", "生产制造类", "智能装备", "政府主导开发", "50", "6", "2019-06"}},
		{"completed", [8]string{"长河创新园", "滨江区长河街道滨安路 1180 号", "生产性服务等其他类", "软件信息", "龙头企业开发", "30", "4.5", "2019-10"}},
		{"upgraded", [8]string{"西兴老厂房改造园", "滨江区西兴街道江陵路 88 号", "生产制造类", "电子元件", "厂房加固、消防改造", "80", "10", "2019-09"}},
		{"started", [8]string{"浦沿数字园", "滨江区浦沿街道伟业路 3 号", "生产制造类", "数字经济", "企业联合开发", "60", "8", "2019-03"}},
	}
	// 改造提升 1: the notice's note 1 is a soft warning to confirm.
	trialA3 = []string{"3", "1", "3", "140", "60", "1", "4.5", "20", "150"}
	// name, 文号, 发文单位, 印发日期; the first with its PDF.
	trialDocs = [][4]string{
		{"关于加快推进小微企业园建设的实施意见", "滨政办〔2018〕12号", "滨江区人民政府办公室", "2018-09-15"},
		{"滨江区小微企业园认定管理办法", "滨经信〔2018〕5号", "滨江区经济和信息化局", "2018-11-02"},
	}
	trialA4Targets = [5][6]string{
		{"4", "140", "80", "20", "5", "1"},
		{"6", "220", "120", "22", "8", "2"},
		{"8", "300", "160", "25", "10", "3"},
		{"9", "340", "190", "27", "12", "4"},
		{"10", "380", "220", "30", "15", "5"},
	}
)

// trialFigures is how many answers the data holds: a figure each.
func trialFigures() int {
	return len(trialA1) + 8*len(trialParks) + len(trialA3) + 4*len(trialDocs) + 1 + 2 + 5*6
}

// choiceAt says which of a park's answers are pressed: 园区类型, and
// 开发建设模式 where the section asks it.
func (p trialPark) choiceAt(i int) bool { return i == 2 || i == 4 && p.section != "upgraded" }

// pdfBytes is a small PDF, as a policy's original.
func pdfBytes() []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}
