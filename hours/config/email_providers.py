"""The mail providers `hours` knows by name, as data: their servers, how they log in, and what a
newcomer has to do first.

`provider = "gmail"` in `[autoreply.email]` fills the servers and the default `auth` from here
(a key written in the config wins); `hours autoreply setup email` guesses the provider from the
address's domain; `hours doctor` recognises the hosts and says what is missing in the
provider's own words. Each server is as the provider documents it, cited beside it.
"""

from __future__ import annotations

from hours.record import Record


class Preset(Record):
    """A server as a provider documents it."""

    host: str
    port: int
    security: str  # ssl | starttls


class MailProvider(Record):
    """One provider: its servers, its default login, and what to tell a newcomer."""

    name: str  # the config's word: provider = "gmail"
    label: str  # as the provider calls itself
    domains: tuple[str, ...]  # addresses it hosts, for guessing the provider from an address
    hosts: tuple[str, ...]  # server names that say "this is that provider" to `hours doctor`
    imap: Preset
    smtp: Preset
    auth: str  # the default: password (an app password) or xoauth2
    login: str | None  # the `hours login` provider whose tokens it takes: google, microsoft
    # How to get a password it takes (an app password, with the page to make one), or None
    # when it takes no password at all.
    app_password: str | None
    # OAuth2 mechanisms its servers offer, in the order to prefer them.
    mechanisms: tuple[str, ...] = ()

    def refuses_passwords(self) -> str:
        """Say, as the provider would, that it takes no password, and what to do instead."""
        return (
            f'{self.label} refuses passwords: set auth = "xoauth2" and run '
            f"`hours login {self.login}`"
        )

    def needs(self, auth: str) -> str:
        """Say what this provider needs for `auth` to work, in a sentence or two."""
        if auth == "password":
            if self.app_password is None:
                return self.refuses_passwords()
            return self.app_password
        if self.login is None:
            return (
                f"{self.label} has no `hours login`: give a token_command that prints an "
                'access token, or set auth = "password" and use an app password'
            )
        return f"{self.label} signs in with OAuth2: run `hours login {self.login}`"


PROVIDERS: dict[str, MailProvider] = {
    # https://developers.google.com/gmail/imap/imap-smtp: imap.gmail.com 993 SSL;
    # smtp.gmail.com 465 (SSL) or 587 (STARTTLS); SASL XOAUTH2 and OAUTHBEARER.
    "gmail": MailProvider(
        name="gmail",
        label="Gmail",
        domains=("gmail.com", "googlemail.com"),
        hosts=("imap.gmail.com", "smtp.gmail.com", "imap.googlemail.com", "smtp.googlemail.com"),
        imap=Preset("imap.gmail.com", 993, "ssl"),
        smtp=Preset("smtp.gmail.com", 465, "ssl"),
        auth="password",
        login="google",
        app_password=(
            "Gmail takes an app password, not your Google password: with 2-Step Verification "
            "on, make one at https://myaccount.google.com/apppasswords. If your Workspace "
            'admin forbids app passwords, set auth = "xoauth2" and run `hours login google`'
        ),
        mechanisms=("XOAUTH2", "OAUTHBEARER"),
    ),
    # https://support.microsoft.com/office/pop-imap-and-smtp-settings-8361e398-8af4-4e97-b147-6c6c4ac95353:
    # IMAP outlook.office365.com 993 SSL/TLS, SMTP smtp-mail.outlook.com 587 STARTTLS, both
    # "OAuth2/Modern Auth" only since September 2024.
    "outlook": MailProvider(
        name="outlook",
        label="Outlook.com",
        domains=("outlook.com", "hotmail.com", "live.com", "msn.com"),
        hosts=("smtp-mail.outlook.com", "imap-mail.outlook.com"),
        imap=Preset("outlook.office365.com", 993, "ssl"),
        smtp=Preset("smtp-mail.outlook.com", 587, "starttls"),
        auth="xoauth2",
        login="microsoft",
        app_password=None,
        mechanisms=("XOAUTH2",),
    ),
    # https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
    # and https://learn.microsoft.com/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365:
    # IMAP outlook.office365.com 993, SMTP AUTH smtp.office365.com 587 STARTTLS; SASL XOAUTH2.
    "microsoft365": MailProvider(
        name="microsoft365",
        label="Microsoft 365",
        domains=(),  # your organisation's own domain: nothing to guess it by
        hosts=("outlook.office365.com", "smtp.office365.com"),
        imap=Preset("outlook.office365.com", 993, "ssl"),
        smtp=Preset("smtp.office365.com", 587, "starttls"),
        auth="xoauth2",
        login="microsoft",
        app_password=None,
        mechanisms=("XOAUTH2",),
    ),
    # https://support.apple.com/en-us/102525: imap.mail.me.com 993 SSL, smtp.mail.me.com 587
    # STARTTLS; app-specific passwords: https://support.apple.com/en-us/102654.
    "icloud": MailProvider(
        name="icloud",
        label="iCloud Mail",
        domains=("icloud.com", "me.com", "mac.com"),
        hosts=("imap.mail.me.com", "smtp.mail.me.com"),
        imap=Preset("imap.mail.me.com", 993, "ssl"),
        smtp=Preset("smtp.mail.me.com", 587, "starttls"),
        auth="password",
        login=None,
        app_password=(
            "iCloud Mail takes an app-specific password, not your Apple Account password: make "
            "one at https://account.apple.com (Sign-In and Security > App-Specific Passwords)"
        ),
    ),
    # https://www.fastmail.com/help/technical/servernamesandports.html: imap.fastmail.com 993 and
    # smtp.fastmail.com 465, SSL/TLS "but not STARTTLS"; an app password is required.
    "fastmail": MailProvider(
        name="fastmail",
        label="Fastmail",
        domains=("fastmail.com", "fastmail.fm"),
        hosts=("imap.fastmail.com", "smtp.fastmail.com"),
        imap=Preset("imap.fastmail.com", 993, "ssl"),
        smtp=Preset("smtp.fastmail.com", 465, "ssl"),
        auth="password",
        login=None,
        app_password=(
            "Fastmail takes an app password, not your Fastmail password: make one under "
            "Settings > Privacy & Security > Manage app passwords and access "
            "(https://www.fastmail.help/hc/en-us/articles/360058752854)"
        ),
    ),
    # https://help.yahoo.com/kb/SLN4075.html: imap.mail.yahoo.com 993 SSL,
    # smtp.mail.yahoo.com 465 SSL (or 587); app passwords: https://help.yahoo.com/kb/SLN15241.html.
    # Its OAUTHBEARER takes tokens only for apps Yahoo has approved
    # (https://senders.yahooinc.com/developer/documentation): no `hours login` for it.
    "yahoo": MailProvider(
        name="yahoo",
        label="Yahoo Mail",
        domains=("yahoo.com", "ymail.com"),
        hosts=("imap.mail.yahoo.com", "smtp.mail.yahoo.com"),
        imap=Preset("imap.mail.yahoo.com", 993, "ssl"),
        smtp=Preset("smtp.mail.yahoo.com", 465, "ssl"),
        auth="password",
        login=None,
        app_password=(
            "Yahoo Mail takes an app password, not your Yahoo password: make one at "
            "https://login.yahoo.com/account/security (Generate app password)"
        ),
    ),
}


def by_address(address: str) -> MailProvider | None:
    """Return the provider hosting an address's domain, or None when it cannot be told."""
    domain = address.rpartition("@")[2].strip().lower()
    return next((p for p in PROVIDERS.values() if domain in p.domains), None)


def by_host(*hosts: str | None) -> MailProvider | None:
    """Return the provider whose servers these are, or None when none is one of ours."""
    names = {h.lower().rstrip(".") for h in hosts if h}
    return next((p for p in PROVIDERS.values() if names & set(p.hosts)), None)
