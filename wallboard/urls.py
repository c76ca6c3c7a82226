from django.contrib import admin
from django.contrib.staticfiles.views import serve as serve_static
from django.urls import include, path, re_path

from wallboard import api, calllog, export, history, screenpop, views

admin.site.site_header = "Wallboard administration"
admin.site.site_title = "Wallboard"
admin.site.index_title = "Sources, boards and access"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("boards/<slug:slug>/", views.board_display, name="board"),
    path("rotations/<slug:slug>/", views.rotation_display, name="rotation"),
    path("screens/<str:ident>/", views.screen_display, name="screen"),
    path("pair/", views.pair, name="pair"),
    path("pair/state", views.pair_state, name="pair-state"),
    path("api/v1/queues/", api.queues, name="api-queues"),
    path("api/v1/agents/", api.agents, name="api-agents"),
    path("api/v1/sources/", api.sources, name="api-sources"),
    path("actions/", include("wallboard.actions")),  # supervisors' requests about agents
    path("screenpop/<str:key>/", screenpop.receive, name="screen-pop"),
    path("api/v1/boards/<slug:slug>/", api.board_snapshot, name="api-board"),
    path("api/v1/calls/", api.calls, name="api-calls"),
    path("api/v1/alerts/", api.alerts, name="api-alerts"),
    path(
        "api/v1/compat/<slug:output>/<slug:name>.json",
        api.live_document,
        name="api-live-document",
    ),
    # Small sites run without a reverse proxy: serve static files here (a proxy may take over
    # /static/ from `collectstatic` on large ones).
    re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}),
]

# History pages (supervisors) and interval export (BI tools).
urlpatterns += [
    path("history/", history.index, name="history"),
    path("calls/", calllog.call_log, name="call-log"),
    path("history/rollup/", history.rollup_day, name="history-rollup"),
    path(
        "history/queues/<slug:source>/<str:kind>/<str:number>/",
        history.queue_day,
        name="history-queue",
    ),
    path("history/agents/<slug:source>/<str:agent_id>/", history.agent_day, name="history-agent"),
    path("export/queue-intervals.csv", export.queue_intervals_csv, name="export-queue-intervals"),
    path("export/agent-intervals.csv", export.agent_intervals_csv, name="export-agent-intervals"),
    path("export/calls.csv", export.calls_csv, name="export-calls"),
    path("api/v1/intervals/queues/", export.queue_intervals_json, name="api-queue-intervals"),
    path("api/v1/intervals/agents/", export.agent_intervals_json, name="api-agent-intervals"),
]
