package dialogs_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"tianbao/campaign"
	"tianbao/campaigns"
	"tianbao/dialogs"
	"tianbao/dialogs/dialogtest"
	"tianbao/store/storetest"
)

// benchCampaign: a table of 10 rows × 10 integer fields (100 answers per
// unit, about the size of a real form's draft), and 2,000 counties, so that
// every contact answers a realistic form and moves to a fresh unit when done.
func benchCampaign() *campaign.Source {
	var fields strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&fields, "          - {id: n%d, label: 数%d, type: integer, unit: 个, min: 0}\n", i, i)
	}
	var rows strings.Builder
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&rows, "          - {key: \"%d\", title: 第%d行}\n", i, i)
	}
	yaml := `id: bench
title: 基准
units: {file: units.tsv, root: {code: "330000", name: 浙江省}}
forms:
  - id: t
    title: 表
    levels: [county]
    due: {county: "2018-12-05"}
    sections:
      - id: main
        kind: table
        rows:
` + rows.String() + `        fields:
` + fields.String()
	var units strings.Builder
	units.WriteString("city_code\tcity\tcounty_code\tcounty\n")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&units, "34%02d00\t市%d\t35%04d\t县%d\n", i/100+1, i/100+1, i, i)
	}
	return &campaign.Source{Name: "bench.yaml", YAML: []byte(yaml), Files: map[string][]byte{"units.tsv": []byte(units.String())}}
}

type benchFiller struct {
	env   *dialogtest.Env
	units []string
	next  atomic.Int64
}

// contact opens the form for the next fresh unit.
func (f *benchFiller) contact(b *testing.B) int64 {
	i := f.next.Add(1) - 1
	if int(i) >= len(f.units) {
		b.Fatalf("benchmark ran out of units")
	}
	c := f.env.ContactIn("bench", f.units[i], "基准")
	c.Say("/start").Press("表")
	return c.ID
}

func newBenchFiller(b *testing.B) *benchFiller {
	env := dialogtest.New(b, storetest.NewDB(b), now)
	c, _, err := campaigns.Install(context.Background(), env.DB, benchCampaign())
	if err != nil {
		b.Fatal(err)
	}
	f := &benchFiller{env: env}
	for _, code := range c.Order {
		if c.Units[code].Level == campaign.County {
			f.units = append(f.units, code)
		}
	}
	return f
}

// answer sends one answer; it reports whether the form is complete.
func (f *benchFiller) answer(b *testing.B, contact int64) bool {
	r, err := f.env.Engine.Handle(context.Background(), dialogs.Input{ContactID: contact, Text: "42"})
	if err != nil {
		b.Fatal(err)
	}
	return strings.Contains(r[len(r)-1].Text, "请核对")
}

// BenchmarkAnswerField measures one answered field end to end: the engine,
// the session lock, the draft load, the checks, the write and its audit row,
// committed in PostgreSQL.
func BenchmarkAnswerField(b *testing.B) {
	b.Run("contacts=1", func(b *testing.B) {
		f := newBenchFiller(b)
		contact := f.contact(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f.answer(b, contact) {
				b.StopTimer()
				contact = f.contact(b)
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
	})
	b.Run("contacts=8", func(b *testing.B) {
		f := newBenchFiller(b)
		b.SetParallelism(8 / max(1, runtimeProcs()))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			contact := f.contact(b)
			for pb.Next() {
				if f.answer(b, contact) {
					contact = f.contact(b)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "answers/s")
	})
}
