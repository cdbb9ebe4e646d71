"""Reading fetched evidence and the findings an agency is told, fetched from 127.0.0.1 (or
built by hand where the case needs no server)."""

from __future__ import annotations

import io
import uuid
import warnings
import zipfile

import docx
import openpyxl
import pytest

from openita.disclosure import reading
from openita.disclosure.fetcher import FetchResult, Problem, fetch
from openita.disclosure.reading import Finding, findings, read

from .servers import ConnectionGuard, FakeDNS, Handler, serve

NAV = " ".join(f"<a href='/m{i}'>เมนูหลักของหน่วยงาน {i}</a>" for i in range(40))
LONG_TEXT = "หน่วยงานได้เผยแพร่ข้อมูลการดำเนินงานประจำปีอย่างครบถ้วน " * 60
PAGE = f"""<!doctype html><html><head><title> แผนปฏิบัติการ
 ประจำปี 2567 </title><style>body {{color: red}}</style>
<script>var secret = "not text";</script></head>
<body><nav>{NAV}</nav><h1>แผนปฏิบัติการ</h1><p>{LONG_TEXT}</p>
<noscript>enable javascript</noscript></body></html>"""
SOFT_404_TH = """<html><head><title>ไม่พบหน้าที่คุณต้องการ</title></head>
<body><p>ขออภัย กรุณากลับสู่หน้าแรก</p></body></html>"""
SOFT_404_EN = """<html><head><title>Agency of Example</title></head>
<body><h1>Page not found</h1><p>Sorry, try the home page.</p></body></html>"""
MENTIONS = f"""<html><head><title>คำสั่งที่ 404/2566 เรื่อง การเผยแพร่ข้อมูล</title></head>
<body><h1>คำสั่งที่ 404/2566</h1><p>{LONG_TEXT} กรณีไม่พบข้อมูลให้ติดต่อเจ้าหน้าที่ {LONG_TEXT}
</p></body></html>"""
LOGIN_FORM = """<html><head><title>Intranet</title></head><body>
<form method=post><label>User <input name=u></label><label>รหัสผ่าน
<input type="PASSWORD" name=p></label><button>OK</button></form></body></html>"""
SIDEBAR_LOGIN = f"""<html><head><title>ข่าวประชาสัมพันธ์</title></head><body>
<aside><form><input name=u><input type=password name=p></form></aside>
<main><h1>ข่าวประชาสัมพันธ์</h1><p>{LONG_TEXT}</p></main></body></html>"""
THAI = "<html><head>{meta}<title>รายงานผลการดำเนินงาน</title></head><body>{text}</body></html>"


def _pdf() -> bytes:
    with warnings.catch_warnings():  # WeasyPrint's notes about optional system libraries
        warnings.simplefilter("ignore", DeprecationWarning)
        import weasyprint

    return weasyprint.HTML(string="<html><head><title>Integrity plan 2024</title></head><body>"
                                  "<h1>Integrity plan</h1><p>Open data for citizens</p>"
                                  "</body></html>").write_pdf()


def _docx() -> bytes:
    document = docx.Document()
    document.add_heading("รายงานการประเมิน", level=1)
    document.add_paragraph("ผลการดำเนินงานด้านความโปร่งใส")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "ไตรมาส 1", "ร้อยละ 95"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "งบประมาณ"
    sheet.append(["โครงการ", "งบประมาณ"])
    sheet.append(["จัดซื้อครุภัณฑ์", 125000])
    book.properties.title = "Budget 2567"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _thai(h: Handler, header: str, meta: str, text: str) -> None:
    body = THAI.format(meta=meta, text=text).encode("cp874")
    h.send_body(body, content_type="text/html" + header)


def _routes() -> dict:
    html = {"/page": PAGE, "/soft-404-th": SOFT_404_TH, "/soft-404-en": SOFT_404_EN,
            "/mentions": MENTIONS, "/intranet": LOGIN_FORM, "/news": SIDEBAR_LOGIN,
            "/login": "<html><title>Portal</title><body>Welcome</body></html>",
            "/wp-login.php": "<html><title>Site</title><body>Hello</body></html>"}
    files = {"/plan.pdf": (_pdf(), "application/pdf"), "/report.docx": (_docx(), DOCX),
             "/budget.xlsx": (_xlsx(), XLSX), "/download": (_pdf(), "application/octet-stream"),
             "/broken.pdf": (b"%PDF-1.7\n1 0 obj garbage", "application/pdf"),
             "/old.doc": (b"\xd0\xcf\x11\xe0 old word", "application/msword")}
    routes = {path: (lambda h, page=page: h.send_body(page.encode()))
              for path, page in html.items()}
    routes |= {path: (lambda h, f=f: h.send_body(f[0], content_type=f[1]))
               for path, f in files.items()}
    routes["/status"] = lambda h: h.send_body(b"<title>Error</title>", int(h.query["code"]))
    routes["/to"] = lambda h: h.redirect(h.query["target"])
    routes["/tis620"] = lambda h: _thai(h, "; charset=TIS-620", "", "ความโปร่งใส")
    routes["/meta-874"] = lambda h: _thai(
        h, "", '<meta http-equiv="Content-Type" content="text/html; charset=windows-874">',
        "การเปิดเผยข้อมูล")
    # Labelled TIS-620 but using windows-874's curly quotes, as Thai pages often do.
    routes["/tis-quotes"] = lambda h: _thai(h, "; charset=tis-620", "", "“คุณธรรม” €")
    return routes


@pytest.fixture(scope="module")
def server():
    with serve(_routes()) as running:
        yield running


@pytest.fixture(autouse=True)
def _loopback_only(settings, monkeypatch):
    settings.OPENITA_FETCH_ALLOW_LOOPBACK = True
    FakeDNS(monkeypatch)
    guard = ConnectionGuard(monkeypatch)
    yield
    assert guard.outside == []


def _check(server, path: str, website: str = "") -> tuple[FetchResult, reading.Reading,
                                                           list[str]]:
    result = fetch(server.url(path))
    seen = read(result)
    return result, seen, findings(result, seen, website or server.url("/"))


def made(body: bytes = b"", *, content_type: str = "text/html", status: int | None = 200,
         url: str = "https://www.agency.go.th/ita/o1", problem: str = "",
         truncated: bool = False, charset: str = "") -> FetchResult:
    return FetchResult(requested_url=url, final_url=url, redirects=(), status=status,
                       content_type=content_type, charset=charset, declared_size=None,
                       body=body, size=len(body), truncated=truncated, sha256="",
                       problem=problem, detail="", address="", elapsed_ms=1)


def test_html_page_title_text_excerpt(server):
    result, seen, found = _check(server, "/page")
    assert (seen.kind, seen.title, seen.note) == ("html", "แผนปฏิบัติการ ประจำปี 2567", "")
    assert "แผนปฏิบัติการ" in seen.text and "เมนูหลักของหน่วยงาน 39" in seen.text
    assert "secret" not in seen.text and "color" not in seen.text and "enable" not in seen.text
    assert "  " not in seen.text and "\n" not in seen.text
    assert seen.excerpt.endswith("…") and len(seen.excerpt) <= reading.EXCERPT + 1
    assert seen.text.startswith(seen.excerpt[:-1])
    assert found == []


@pytest.mark.parametrize("path", ["/soft-404-th", "/soft-404-en"])
def test_soft_404(server, path):
    result, _seen, found = _check(server, path)
    assert result.status == 200 and found == [Finding.SOFT_404]


def test_a_long_page_that_mentions_not_found_is_fine(server):
    assert _check(server, "/mentions")[2] == []


@pytest.mark.parametrize("text", [
    "404", "Error 404", "Not Found", "The requested URL was not found on this server.",
    "ไม่พบหน้า", "ไม่พบข้อมูล", "หน้านี้ไม่มีอยู่", "ขออภัย ไม่พบหน้าที่คุณต้องการ"])
def test_soft_404_messages(text):
    page = made(f"<html><title>{text}</title><body>กลับหน้าหลัก</body></html>".encode())
    assert findings(page, read(page), "") == [Finding.SOFT_404]
    short = made(f"<html><title>หน่วยงาน</title><body><p>{text}</p></body></html>".encode())
    assert findings(short, read(short), "") == [Finding.SOFT_404]


def test_login_page_with_a_password_form(server):
    assert _check(server, "/intranet")[2] == [Finding.LOGIN]


def test_a_login_box_beside_the_content_is_not_a_login_page(server):
    assert _check(server, "/news")[2] == []


@pytest.mark.parametrize("path", ["/login", "/wp-login.php"])
def test_redirect_to_a_sign_in_path(server, path):
    result, _seen, found = _check(server, "/to?target=" + path)
    assert result.redirects and result.final_url.endswith(path) and found == [Finding.LOGIN]


@pytest.mark.parametrize("url", ["https://a.go.th/user/login?next=/x", "https://a.go.th/sso/",
                                 "https://a.go.th/Account/SignIn.aspx",
                                 "https://a.go.th/auth/realms/x"])
def test_sign_in_paths(url):
    page = made(b"<title>x</title>hello", url=url)
    assert findings(page, read(page), "https://a.go.th") == [Finding.LOGIN]


@pytest.mark.parametrize("url", ["https://a.go.th/authority/plan", "https://a.go.th/blog/login-tips"])
def test_paths_that_only_look_like_sign_in(url):
    page = made(b"<title>Plan</title>" + b"content " * 200, url=url)
    assert findings(page, read(page), "https://a.go.th") == []


@pytest.mark.parametrize(("code", "expected"), [(401, [Finding.LOGIN]), (403, [Finding.LOGIN]),
                                                (404, [Finding.DEAD]), (500, [Finding.DEAD])])
def test_http_error_findings(server, code, expected):
    result, seen, found = _check(server, f"/status?code={code}")
    assert result.status == code and seen.title == "Error" and found == expected


@pytest.mark.parametrize(("path", "text"), [("/tis620", "ความโปร่งใส"),
                                            ("/meta-874", "การเปิดเผยข้อมูล"),
                                            ("/tis-quotes", "“คุณธรรม” €")])
def test_thai_encodings(server, path, text):
    _result, seen, _found = _check(server, path)
    assert seen.title == "รายงานผลการดำเนินงาน" and seen.text == text


def test_pdf(server):
    _result, seen, found = _check(server, "/plan.pdf")
    assert (seen.kind, seen.title, seen.note) == ("pdf", "Integrity plan 2024", "")
    assert "Open data for citizens" in seen.text and found == []


def test_pdf_served_as_octet_stream_is_still_a_pdf(server):
    assert _check(server, "/download")[1].kind == "pdf"


def test_docx(server):
    _result, seen, _found = _check(server, "/report.docx")
    assert (seen.kind, seen.title) == ("docx", "รายงานการประเมิน")
    assert "ความโปร่งใส" in seen.text and "ร้อยละ 95" in seen.text


def test_xlsx(server):
    _result, seen, _found = _check(server, "/budget.xlsx")
    assert (seen.kind, seen.title) == ("xlsx", "Budget 2567")
    assert "งบประมาณ" in seen.text and "จัดซื้อครุภัณฑ์ 125000" in seen.text


def test_broken_and_unsupported_files_give_a_note(server):
    assert _check(server, "/broken.pdf")[1].note == "unreadable PDF"
    old = _check(server, "/old.doc")[1]
    assert (old.kind, old.text, old.note) == ("other", "", "unsupported type application/msword")
    for body, content_type in ((b"PK\x03\x04 not a zip", DOCX), (b"junk", XLSX)):
        seen = read(made(body, content_type=content_type))
        assert seen.text == "" and seen.note.startswith("unreadable")


def test_office_zip_bomb_is_not_opened(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNZIPPED", 1000)
    seen = read(made(_docx(), content_type=DOCX))
    assert seen.text == "" and "too large" in seen.note


def test_empty_and_odd_bodies():
    assert read(made(b"")).note == "empty body"
    bad = read(made(b"<title>caf\xe9 \xff</title>ok", content_type="text/html"))
    assert bad.title == "caf\ufffd \ufffd"  # no charset anywhere: UTF-8 with replacement
    bom = read(made("สวัสดี".encode("utf-16"), content_type="text/plain"))
    assert bom.text == "สวัสดี"


def test_text_and_title_are_bounded():
    huge = made(b"<title>" + b"t" * 2000 + b"</title><p>" + b"word " * 100_000 + b"</p>")
    seen = read(huge)
    assert len(seen.title) == reading.MAX_TITLE and len(seen.text) == reading.MAX_TEXT


def test_excerpt_cuts_between_words():
    english = read(made(("integrity " * 200).encode(), content_type="text/plain")).excerpt
    assert english.endswith("integrity…") and len(english) <= reading.EXCERPT + 1
    thai = read(made(("การเปิดเผยข้อมูลสาธารณะ" * 60).encode(), content_type="text/plain"))
    assert thai.excerpt.endswith("สาธารณะ…") or thai.excerpt.endswith("ข้อมูล…")


@pytest.mark.parametrize(("final", "website", "off"), [
    ("https://www.agency.go.th/a", "https://www.agency.go.th/", False),
    ("https://agency.go.th/a", "https://www.agency.go.th", False),
    ("https://www.agency.go.th/a", "http://agency.go.th", False),
    ("http://docs.agency.go.th:8080/a", "https://www.agency.go.th", False),
    ("https://AGENCY.go.th./a", "www.agency.go.th", False),
    ("https://drive.google.com/file/1", "https://www.agency.go.th", True),
    ("https://agency.go.th.example.com/", "https://agency.go.th", True),
    ("https://otheragency.go.th/", "https://agency.go.th", True),
    ("https://drive.google.com/file/1", "", False),
])
def test_off_site(final, website, off):
    page = made(b"<title>x</title>" + b"content " * 200, url=final)
    assert (Finding.OFF_SITE in findings(page, read(page), website)) is off


def test_redirect_off_the_website(server, settings):
    site, elsewhere = (f"{name}-{uuid.uuid4().hex[:8]}.test" for name in ("site", "cloud"))
    settings.OPENITA_FETCH_STATIC_HOSTS = {site: "127.0.0.1", elsewhere: "127.0.0.1",
                                           f"docs.{site}": "127.0.0.1"}
    for target, expected in ((server.url("/page", elsewhere), [Finding.OFF_SITE]),
                             (server.url("/page", f"docs.{site}"), [])):
        result = fetch(server.url("/to?target=" + target, site))
        assert findings(result, read(result), f"https://www.{site}/") == expected


@pytest.mark.parametrize("problem", [Problem.REFUSED_ADDRESS, Problem.TIMEOUT, Problem.UNREACHABLE,
                                     Problem.UNRESOLVED, Problem.BAD_SCHEME,
                                     Problem.TOO_MANY_REDIRECTS])
def test_fetch_problems_are_dead(problem):
    failed = made(problem=problem, status=None)
    assert findings(failed, read(failed), "https://www.agency.go.th") == [Finding.DEAD]


def test_too_large_is_not_dead_and_the_order_is_stable():
    big = made(b"<title>Plan</title>" + b"x " * 1000, problem=Problem.TOO_LARGE, truncated=True,
               url="https://cloud.example.com/plan")
    assert findings(big, read(big), "https://www.agency.go.th") == [Finding.OFF_SITE,
                                                                    Finding.TOO_LARGE]
    truncated_pdf = read(made(_pdf()[:500], content_type="application/pdf", truncated=True))
    assert truncated_pdf.note == "unreadable PDF (truncated)"


def test_zip_that_is_neither_docx_nor_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    seen = read(made(out.getvalue(), content_type="application/zip"))
    assert seen.kind == "other" and seen.note == "unsupported type application/zip"
