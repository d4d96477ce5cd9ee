"""A stand-in for a person at a browser, for the interoperability checks.

It follows the authorization server's redirects one at a time and fills
in the two HTML forms the contract fixes: the login form (`username`,
`password`) and the consent form (checkboxes named `scope`, submit buttons
named `decision`), carrying every hidden input (CSRF token, request id) as
a browser would. It stops at the first redirect to the client's
`redirect_uri` and returns that URL, which the library under test reads.
"""

import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Form(HTMLParser):
    """The first form of a page: its action, the fields a browser would send,
    and its submit buttons."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = []
        self.buttons = {}
        self._inside = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action = attrs.get("action", "")
            self._inside = True
        elif self._inside and tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind == "checkbox" and "checked" not in attrs:
                return
            self.fields.append((attrs["name"], attrs.get("value", "")))
        elif self._inside and tag == "button" and attrs.get("name"):
            self.buttons[attrs.get("value", "")] = attrs["name"]

    def handle_endtag(self, tag):
        if tag == "form" and self._inside:
            self._inside = False
            self._done = True


def first_form(html):
    form = _Form()
    form.feed(html)
    if form.action is None:
        raise AssertionError("the page has no form: " + html[:300])
    return form


def trusting(session, verify):
    """`session`, trusting `verify` (a CA file, or True for the system's
    roots) and nothing from the environment: `REQUESTS_CA_BUNDLE` would
    otherwise replace the CA, and a proxy variable would take loopback
    traffic elsewhere."""
    session.verify = verify
    session.trust_env = False
    return session


class UserAgent:
    """One person's browser: a cookie jar, the CA it trusts, a login."""

    def __init__(self, username, password, verify=True):
        self.http = trusting(requests.Session(), verify)
        self.username = username
        self.password = password

    def authorize(self, authorization_url, redirect_uri, decision="approve"):
        """Visits `authorization_url`, logs in and decides at the consent
        screen; the URL the server finally redirects to at the client."""
        response = self.http.get(authorization_url, allow_redirects=False)
        for _ in range(12):
            if response.status_code in (302, 303):
                location = urljoin(response.url, response.headers["Location"])
                if location.startswith(redirect_uri):
                    return location
                response = self.http.get(location, allow_redirects=False)
            elif response.status_code == 200:
                response = self._submit(response, decision)
            else:
                raise AssertionError(
                    f"{response.url} answered {response.status_code}: {response.text[:300]}"
                )
        raise AssertionError("too many steps before the redirect to the client")

    def _submit(self, page, decision):
        form = first_form(page.text)
        fields = list(form.fields)
        names = {name for name, _ in fields}
        if "password" in names:
            fields = [(n, v) for n, v in fields if n not in ("username", "password")]
            fields += [("username", self.username), ("password", self.password)]
        elif decision in form.buttons:
            fields.append((form.buttons[decision], decision))
        else:
            raise AssertionError("a form that is neither login nor consent: " + page.text[:300])
        return self.http.post(
            urljoin(page.url, form.action), data=fields, allow_redirects=False
        )


def run_script(main):
    """Runs `main(issuer, verify)` with the command line's ISSUER [CA_FILE]
    (no CA file: the system's roots) and prints `ok` when it returns."""
    issuer = sys.argv[1]
    verify = sys.argv[2] if len(sys.argv) > 2 else True
    main(issuer, verify)
    print("ok")
