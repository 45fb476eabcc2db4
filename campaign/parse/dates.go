package parse

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	// 2019-06, 2019.6, 2019/6, 2019年6月, 19年6月, 2019 6
	// 2019年6月底 and 6月初, 6月中旬: a month is what is asked, and the notices
	// write 项目完成时间 so.
	yearMonthRe = regexp.MustCompile(`^([0-9]{2}|[0-9]{4})\s*(?:年|[-./\s])\s*([0-9]{1,2})\s*月?(?:份)?(?:底|末|初|中|上旬|中旬|下旬)?$`)
	// 201906
	yearMonthCompactRe = regexp.MustCompile(`^([0-9]{4})([0-9]{2})$`)
	// 2018-11-23, 2018.11.23, 2018/11/23, 2018年11月23日, 18年11月23日
	dateRe        = regexp.MustCompile(`^([0-9]{2}|[0-9]{4})\s*(?:年|[-./\s])\s*([0-9]{1,2})\s*(?:月|[-./\s])\s*([0-9]{1,2})\s*[日号]?$`)
	dateCompactRe = regexp.MustCompile(`^([0-9]{4})([0-9]{2})([0-9]{2})$`)
)

func year(s string) int {
	y, _ := strconv.Atoi(s)
	if len(s) == 2 {
		y += 2000 // "19年6月": these notices are all of this century
	}
	return y
}

// YearMonth parses a year and month and returns it as "2019-06".
func YearMonth(s string) (string, error) {
	s = Fold(s)
	if s == "" {
		return "", fail(Empty)
	}
	m := yearMonthRe.FindStringSubmatch(s)
	if m == nil {
		m = yearMonthCompactRe.FindStringSubmatch(s)
	}
	if m == nil {
		return "", fail(BadYearMonth)
	}
	y, mo := year(m[1]), atoi(m[2])
	if y < 1900 || y > 2199 {
		return "", fail(BadYearMonth)
	}
	if mo < 1 || mo > 12 {
		return "", fail(BadMonth)
	}
	return pad(y, 4) + "-" + pad(mo, 2), nil
}

// Date parses a calendar date and returns it as "2018-11-23".
func Date(s string) (string, error) {
	s = Fold(s)
	if s == "" {
		return "", fail(Empty)
	}
	m := dateRe.FindStringSubmatch(s)
	if m == nil {
		m = dateCompactRe.FindStringSubmatch(s)
	}
	if m == nil {
		return "", fail(BadDate)
	}
	y, mo, d := year(m[1]), atoi(m[2]), atoi(m[3])
	if y < 1900 || y > 2199 {
		return "", fail(BadDate)
	}
	if mo < 1 || mo > 12 {
		return "", fail(BadMonth)
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return "", &Error{Code: BadDay, Limit: mo} // 2月30日 and the like
	}
	return t.Format("2006-01-02"), nil
}

// YesNo parses 是/否 and their common spellings, returning "是" or "否".
func YesNo(s string) (string, error) {
	switch strings.ToLower(Fold(s)) {
	case "是", "有", "对", "是的", "yes", "y", "确认", "已建立", "√":
		return "是", nil
	case "否", "无", "没有", "不是", "no", "n", "未建立", "×":
		return "否", nil
	case "":
		return "", fail(Empty)
	}
	return "", fail(BadYesNo)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
