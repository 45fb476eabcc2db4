package wecom

import (
	"context"
	"net/http"
	"net/url"
)

// Agent is the app as agent/get describes it (获取指定的应用详情,
// https://developer.work.weixin.qq.com/document/path/90227): what doctor
// checks before going live.
type Agent struct {
	AgentID        int64
	Name           string
	Description    string
	Closed         bool   // close: the app is disabled
	RedirectDomain string // the trusted domain of its web pages (OAuth)
	HomeURL        string
	ReportEnter    bool     // isreportenter: enter_agent events are sent
	Users          []string // allow_userinfos: members in its visible range
	Parties        []int64  // allow_partys: departments in its visible range
	Tags           []int64  // allow_tags
}

type agentAnswer struct {
	baseAnswer
	AgentID        int64  `json:"agentid"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Close          int    `json:"close"`
	RedirectDomain string `json:"redirect_domain"`
	HomeURL        string `json:"home_url"`
	IsReportEnter  int    `json:"isreportenter"`
	AllowUserInfos struct {
		User []struct {
			UserID string `json:"userid"`
		} `json:"user"`
	} `json:"allow_userinfos"`
	AllowPartys struct {
		PartyID []int64 `json:"partyid"`
	} `json:"allow_partys"`
	AllowTags struct {
		TagID []int64 `json:"tagid"`
	} `json:"allow_tags"`
}

// Agent reads the configured app.
func (c *Client) Agent(ctx context.Context) (*Agent, error) {
	var a agentAnswer
	if err := c.call(ctx, "agent/get", http.MethodGet, "/cgi-bin/agent/get", url.Values{"agentid": {c.agentID()}}, nil, &a); err != nil {
		return nil, err
	}
	ag := &Agent{AgentID: a.AgentID, Name: a.Name, Description: a.Description, Closed: a.Close == 1,
		RedirectDomain: a.RedirectDomain, HomeURL: a.HomeURL, ReportEnter: a.IsReportEnter == 1,
		Parties: a.AllowPartys.PartyID, Tags: a.AllowTags.TagID}
	for _, u := range a.AllowUserInfos.User {
		ag.Users = append(ag.Users, u.UserID)
	}
	return ag, nil
}
