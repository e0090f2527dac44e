package main

import (
	"net/http"

	"github.com/heraldbot/herald/internal/dashboard"
)

// dashboardRoutes mounts the web dashboard under /dashboard/ when HERALD_DASHBOARD_URL is set.
func (a *app) dashboardRoutes(mux *http.ServeMux) error {
	if !a.cfg.Dashboard.Enabled() {
		return nil
	}
	d, err := dashboard.New(dashboard.Options{BaseURL: a.cfg.Dashboard.URL, DiscordURL: a.cfg.DiscordAPIURL,
		AppID: a.cfg.DiscordAppID, ClientSecret: a.cfg.Dashboard.ClientSecret, BotToken: a.cfg.DiscordToken,
		Operators: a.cfg.Dashboard.Operators, Store: a.store, Subscriptions: a.subsCmd, Status: a.tracking,
		Topics: topicInfos(a.topics.Topics()), Feeds: a.poller, Verdicts: explainer(a.cfg, a.store, a.now), Now: a.now, Logger: a.logger})
	if err != nil {
		return err
	}
	mux.Handle("/dashboard/", d.Handler())
	a.logger.Info("dashboard enabled", "url", a.cfg.Dashboard.URL+"/dashboard/")
	return nil
}
