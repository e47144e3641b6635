"""One module per provider: IMAP and SMTP, ManageSieve, Twilio."""
