"""Wire clients: IMAP, SMTP, ManageSieve, Twilio REST, OAuth; they import only hours.errors and each other."""
