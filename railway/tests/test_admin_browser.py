"""The admin and the API docs in a real browser (headless Chromium), served by the production gunicorn.

A superuser logs in through the admin's form, adds a train with intermediate stops as staff
would (typing and picking stations in the inline rows, with the admin's own scripts), and
a passenger then finds and books that train through the API of the same server. A user who
is not staff is refused at the admin's door. Swagger UI at /api/docs/ shows every operation
and runs one. Every stylesheet, script and page the browser asks for must be served, styled
and error-free, as under the development server; every page must arrive with the service's
Content-Security-Policy, and the browser must report no violation of it.

The browser is Debian's `chromium` (`apt-get install chromium`), driven by Playwright; no
browser is downloaded (never `playwright install`). Where it is missing the tests are skipped.

Playwright's sync API runs an asyncio event loop in this thread while a browser is open, and
Django refuses ORM calls while a loop runs (SynchronousOnlyOperation). Rather than switch that
guard off (DJANGO_ALLOW_ASYNC_UNSAFE), the tests touch the database only outside the
`browser_page()` block: inside it they speak to the server, over HTTP, and nothing else.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from csp.utils import build_policy
from playwright.sync_api import ConsoleMessage, Locator, Page, Response, expect, sync_playwright

from railway.tests.servers import GunicornServer, gunicorn_server, server_user_token
from trains.models import Station, Train
from trains.selectors import train_route
from users.models import User

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "a-long-passphrase-1"
# Long enough for a loaded two-core machine, short enough that a missing element fails quickly.
BROWSER_TIMEOUT_MS = 15_000

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"{CHROMIUM} is missing: install Debian's browser with `sudo apt-get install -y chromium`",
    ),
]


def response_error(response: Response, errors: list[str]) -> None:
    """Record a request of the page's (a page, stylesheet, script, autocomplete) answered with an error."""
    if response.status >= 400:
        errors.append(f"{response.status} {response.url}")


def console_error(message: ConsoleMessage, errors: list[str], violations: list[str]) -> None:
    """Record an error the page logs, except the 404 of the favicon the browser asks for by itself.

    The service has no favicon, under the development server either; the admin's pages link none.
    Chromium logs what the Content-Security-Policy blocks as an error too: those go to `violations`.
    """
    url = message.location.get("url", "")
    if message.type == "error" and not url.endswith("/favicon.ico"):
        found = violations if "Content Security Policy" in message.text else errors
        found.append(f"{message.text} ({url})")


# Reports every violation of the Content-Security-Policy the browser sees on a page, from the
# page's very start (an init script runs before the page's own), to the binding below.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportPolicyViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "an inline source"}`
      + ` at ${event.sourceFile}:${event.lineNumber} (${document.location.pathname})`
  );
});
"""


def document_response(response: Response, documents: list[Response]) -> None:
    """Keep the answers that were pages (and their redirects), to check their policy afterwards."""
    if response.request.resource_type == "document":
        documents.append(response)


def directives(policy: str) -> set[str]:
    """Return a policy's directives, in no order: the header lists them in any."""
    return {" ".join(directive.split()) for directive in policy.split(";")}


def assert_every_page_had_the_policy(documents: list[Response]) -> None:
    """Assert that each page the browser received carried the policy of the service's settings."""
    assert documents
    policy = directives(build_policy())
    assert "script-src 'self'" in policy, policy
    for response in documents:
        header = response.header_value("content-security-policy")
        assert header is not None, f"no policy on {response.url}"
        assert directives(header) == policy, response.url


@contextmanager
def browser_page(tmp_path: Path) -> Iterator[Page]:
    """Open a page in headless Chromium; on failure keep a screenshot in tmp_path.

    Also fails if the page logs a script error, if any request it makes gets an error status, if
    a page arrives without the service's Content-Security-Policy, or if the browser reports a
    violation of it.
    """
    failed_requests: list[str] = []
    script_errors: list[str] = []
    violations: list[str] = []
    documents: list[Response] = []
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(BROWSER_TIMEOUT_MS)
            page.on("response", lambda response: response_error(response, failed_requests))
            page.on("response", lambda response: document_response(response, documents))
            page.on("pageerror", lambda error: script_errors.append(str(error)))
            page.on("console", lambda message: console_error(message, script_errors, violations))
            page.expose_function("reportPolicyViolation", lambda text: violations.append(text))
            page.add_init_script(REPORT_VIOLATIONS)
            try:
                yield page
                # Requests still in flight would escape the checks below.
                page.wait_for_load_state("load")
                assert not failed_requests, failed_requests
                assert not violations, violations
                assert not script_errors, script_errors
                assert_every_page_had_the_policy(documents)
            except BaseException:
                if violations or script_errors:
                    print(f"Policy violations: {violations}\nScript errors: {script_errors}")
                screenshot = tmp_path / "failure.png"
                try:
                    page.screenshot(path=screenshot, full_page=True)
                    print(f"Screenshot of the page at failure: {screenshot}")
                except Exception as error:  # the test's own failure is the one to report
                    print(f"No screenshot: {error}")
                raise
        finally:
            browser.close()


def admin_log_in(page: Page, server: GunicornServer, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def assert_styled(page: Page) -> None:
    """Assert that every stylesheet the page links is served as CSS and that it applies.

    Waits for the page's load event first: a navigation's URL changes as soon as its response
    arrives, while the head's scripts may still hold the parser back from the later links and
    from the body.
    """
    page.wait_for_load_state("load")
    hrefs = page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(link => link.href)")
    assert any(href.endswith("/static/admin/css/base.css") for href in hrefs), hrefs
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, href
        assert response.headers["content-type"].startswith("text/css"), (href, response.headers)
    # Unstyled, the header would be transparent; base.css paints it.
    expect(page.locator("#header")).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")


def stop_row(page: Page, index: int) -> Locator:
    return page.locator(f"#stops-{index}")


def pick_station(page: Page, index: int, typed: str, name: str) -> None:
    """Choose an existing station in a stop row through the admin's autocomplete box."""
    stop_row(page, index).locator(".select2-selection").click()
    page.fill(".select2-container--open .select2-search__field", typed)
    page.click(f".select2-results__option:text-is('{name}')")
    expect(stop_row(page, index).locator(".select2-selection__rendered")).to_contain_text(name)


def test_a_superuser_adds_a_train_in_the_admin_and_a_passenger_books_it(tmp_path):
    Station.objects.create(name="Katpadi Junction", code="KPD")
    with gunicorn_server(tmp_path) as server:
        # Registered through the server, so that its password is hashed as production hashes.
        server_user_token(server, "controller", PASSWORD)
        User.objects.filter(username="controller").update(is_staff=True, is_superuser=True)

        with browser_page(tmp_path) as page:
            admin_log_in(page, server, "controller")
            expect(page.locator("#user-tools")).to_contain_text("controller")
            # Production's cookies are Secure; Chromium keeps them over plain HTTP to 127.0.0.1,
            # a potentially trustworthy origin, so the test needs no weaker settings.
            cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
            assert cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"], cookies
            assert_styled(page)

            page.click("a.addlink[href='/admin/trains/train/add/']")
            expect(page).to_have_url(f"{server.url}/admin/trains/train/add/")
            assert_styled(page)
            page.fill("#id_train_number", "12007")
            page.fill("#id_name", "Mysuru Shatabdi")
            page.fill("#id_total_seats", "40")
            # Two stop rows come with the form; the admin's script adds the others.
            page.click("#stops-group .add-row a")
            page.click("#stops-group .add-row a")
            for index, station in enumerate(["Chennai Central", None, "Bengaluru", "Mysuru"]):
                stop_row(page, index).locator("input[name$='-position']").fill(str(index))
                if station is not None:
                    stop_row(page, index).locator("input[name$='-station_name']").fill(station)
            pick_station(page, 1, "katpadi", "Katpadi Junction (KPD)")
            page.click("input[name=_save]")

            expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
            expect(page).to_have_url(f"{server.url}/admin/trains/train/")
            expect(page.locator("#result_list")).to_contain_text("Chennai Central → Mysuru")

        passenger = server_user_token(server, "asha")
        status, _, trains = server.request(
            "GET",
            "/user/get_seat_availability/?source=Katpadi%20Junction&destination=Mysuru",
            headers=passenger,
        )
        assert status == 200, trains
        assert [(train["train_number"], train["available_seats"]) for train in trains] == [(12007, 40)]

        status, _, booking = server.request(
            "POST",
            "/user/book_seat/",
            {
                "train_number": 12007,
                "seat_count": 2,
                "source": "Katpadi Junction",
                "destination": "Bengaluru",
            },
            headers=passenger,
        )
        assert status == 201, booking
        assert (booking["source"], booking["destination"]) == ("Katpadi Junction", "Bengaluru")
        assert booking["seat_numbers"] == [1, 2]

    train = Train.objects.get(train_number=12007)
    assert (train.name, train.total_seats) == ("Mysuru Shatabdi", 40)
    assert train_route(train=train) == ["Chennai Central", "Katpadi Junction", "Bengaluru", "Mysuru"]


def test_a_user_who_is_not_staff_cannot_enter_the_admin(tmp_path):
    with gunicorn_server(tmp_path) as server:
        server_user_token(server, "mallory", PASSWORD)

        with browser_page(tmp_path) as page:
            admin_log_in(page, server, "mallory")

            # The form's own refusal (a CSRF failure would be a 403 page instead).
            expect(page.locator(".errornote")).to_contain_text(
                "correct username and password for a staff account"
            )
            page.goto(f"{server.url}/admin/")
            expect(page).to_have_url(f"{server.url}/admin/login/?next=/admin/")
            expect(page.locator("#user-tools")).to_have_count(0)
            assert_styled(page)


def test_swagger_ui_shows_every_operation_and_runs_one_under_the_policy(tmp_path):
    with gunicorn_server(tmp_path) as server:
        status, _, schema = server.request("GET", "/api/schema/?format=json")
        assert status == 200, schema
        operations = [(method, path) for path, item in schema["paths"].items() for method in item]

        with browser_page(tmp_path) as page:
            page.goto(f"{server.url}/api/docs/")

            # Swagger UI draws the page itself: with its scripts refused, it stays empty.
            expect(page.locator(".information-container .title")).to_contain_text(
                "railway", timeout=BROWSER_TIMEOUT_MS
            )
            expect(page.locator(".opblock")).to_have_count(len(operations), timeout=BROWSER_TIMEOUT_MS)
            healthz = page.locator(".opblock-get").filter(
                has=page.locator(".opblock-summary-path[data-path='/healthz']")
            )
            healthz.locator(".opblock-summary-control").click()
            healthz.locator(".try-out__btn").click()
            healthz.locator(".execute").click()
            # The call goes from the page to the server (connect-src) and its answer is shown.
            answer = healthz.locator(".live-responses-table tbody .response")
            expect(answer.locator(".response-col_status")).to_have_text("200", timeout=BROWSER_TIMEOUT_MS)
            expect(answer.locator(".response-col_description")).to_contain_text('"status"')
