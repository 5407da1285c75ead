"""Word lists the JIRA sandbox builds summaries and descriptions from (seeded choices)."""

THEMES = (
    "Checkout redesign",
    "Single sign-on",
    "Observability",
    "Search relevance",
    "Onboarding flow",
    "Billing migration",
    "Offline mode",
    "Accessibility audit",
    "Data retention",
    "Notification centre",
    "API rate limits",
    "Dark mode",
    "Reporting dashboards",
    "Mobile push",
    "Audit logging",
    "Multi-currency",
    "Partner integrations",
    "Performance budget",
    "Localisation",
    "Incident response",
)
GOALS = (
    "ship to all customers",
    "cut support tickets in half",
    "meet the compliance deadline",
    "retire the legacy service",
    "launch in two new regions",
    "reach feature parity with the web app",
)
ROLES = ("customer", "admin", "support agent", "new user", "developer", "finance manager")
ACTIONS = (
    "reset my password from the login page",
    "export my invoices as CSV",
    "see my order history",
    "filter the report by date",
    "invite a teammate",
    "change the notification settings",
    "save a card for later",
    "search by order number",
    "undo the last change",
    "switch the language",
    "download the audit log",
    "pause my subscription",
)
VERBS = ("Upgrade", "Refactor", "Document", "Remove", "Monitor", "Migrate", "Automate", "Review")
COMPONENTS = (
    "payment service",
    "login page",
    "search index",
    "CI pipeline",
    "order API",
    "mobile release",
    "email templates",
    "database schema",
    "feature flags",
    "alerting rules",
    "image CDN",
    "session store",
)
DETAILS = (
    "to the new version",
    "before the freeze",
    "for the Q3 launch",
    "behind a flag",
    "in staging first",
    "and add tests",
)
PROBLEMS = (
    "returns 500",
    "times out",
    "shows the wrong total",
    "crashes on start",
    "leaks memory",
    "drops events",
    "renders blank",
    "double-charges",
)
CONDITIONS = (
    "on Safari",
    "after a retry",
    "for accounts in EUR",
    "under load",
    "when the cart is empty",
    "with a long name",
    "on Android 14",
    "after midnight UTC",
)
SENTENCES = (
    "Steps to reproduce are in the linked support ticket.",
    "Acceptance criteria: the change is covered by tests and documented.",
    "This blocks the next release; see the incident review for context.",
    "Customers reported this through the in-app chat.",
    "Pair with the platform team before merging.",
    "The design is attached; check it against the style guide.",
)
