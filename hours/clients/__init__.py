"""Wire clients: IMAP, SMTP, ManageSieve, Sieve, Twilio, Gmail and Graph APIs, OAuth2, SASL.

Each speaks one provider's protocol and turns its failures into `hours.errors`; none knows the
schedule, the config or the engine. They import only each other, `hours.errors` and
`hours.files` (the one atomic write, for the OAuth2 token store), both of which import nothing
else of ours (`tests/test_layout.py` holds them to that), so a client can be tested against a
real server alone.
"""
