"""Hostile and broken input: every refusal is clear, names the input, and never reaches a network."""

from __future__ import annotations

import os
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from lxml import etree

from pcidesign import cli
from pcidesign.model import engine
from pcidesign.analysis import fleet
from pcidesign.model import xmlsafe
from pcidesign.model.catalog import Catalog
from pcidesign.model.errors import XMLInputError
from pcidesign.model.xmlsafe import XMLRefused
from conftest import TESTS

PACKAGE = Path(fleet.__file__).resolve().parent
HOSTILE = TESTS / "data" / "hostile"

DOMAIN = (b"<domain type='kvm'><name>ok</name><memory unit='KiB'>1048576</memory>"
          b"<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os><devices>"
          b"<controller type='pci' index='0' model='pcie-root'/>"
          b"<controller type='pci' index='1' model='pcie-root-port'><model name='ioh3420'/></controller>"
          b"</devices></domain>")


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Recorder.hits.append(self.path)
        body = b"<!ENTITY leak 'REACHED-THE-NETWORK'>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def http_server() -> str:
    """A local HTTP server that records every request (for DTD/entity fetch attacks)."""
    _Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def attacks(secret: Path, url: str) -> dict[str, bytes]:
    """Each classic XML attack as a domain document."""
    return {
        "xxe-file": (f"<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file://{secret}'>]>\n"
                     "<domain type='kvm'><name>&xxe;</name></domain>").encode(),
        "xxe-parameter": (f"<!DOCTYPE domain [<!ENTITY % p SYSTEM '{url}/p.dtd'> %p;]>\n"
                          "<domain type='kvm'><name>x</name></domain>").encode(),
        "billion-laughs": (b"<?xml version='1.0'?>\n<!DOCTYPE lolz [\n <!ENTITY lol 'lol'>\n"
                           + b"".join(f" <!ENTITY lol{i} '{('&lol' + str(i - 1 if i > 1 else '') + ';') * 10}'>\n".encode()
                                      for i in range(1, 10))
                           + b"]>\n<domain><name>&lol9;</name></domain>"),
        "external-dtd": f"<!DOCTYPE domain SYSTEM '{url}/domain.dtd'>\n<domain><name>x</name></domain>".encode(),
        "public-dtd": (f"<!DOCTYPE domain PUBLIC '-//libvirt//DTD domain//EN' '{url}/d.dtd'>\n"
                       "<domain><name>x</name></domain>").encode(),
        "lowercase-doctype": f"<!doctype domain SYSTEM '{url}/x.dtd'><domain/>".encode(),
        "utf16-doctype": (f"<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE domain SYSTEM '{url}/u.dtd'>"
                          "<domain><name>x</name></domain>").encode("utf-16"),
        "xinclude": (f"<domain xmlns:xi='http://www.w3.org/2001/XInclude'><name>x</name>"
                     f"<xi:include href='{url}/inc.xml' parse='text'/></domain>").encode(),
    }


@pytest.fixture()
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT")
    return path


def test_every_attack_is_refused_without_network_or_file_access(secret: Path, http_server: str) -> None:
    for name, doc in attacks(secret, http_server).items():
        if name == "xinclude":
            # XInclude is never processed: the element stays an unknown element, nothing is fetched.
            root = xmlsafe.parse_domain(doc, name)
            assert b"TOP-SECRET" not in xmlsafe.to_bytes(root)
            continue
        with pytest.raises(XMLRefused) as info:
            xmlsafe.parse_domain(doc, f"{name}.xml")
        err = info.value
        assert err.kind in ("hostile", "binary"), (name, err.kind, str(err))
        assert f"{name}.xml" in str(err)
        if err.kind == "hostile":
            assert "entities are never resolved" in str(err) and "no network" in str(err)
        assert "TOP-SECRET" not in str(err)
    assert _Recorder.hits == []


def _docs(secret: Path, url: str) -> dict[str, bytes]:
    docs = dict(attacks(secret, url))
    del docs["utf16-doctype"]  # refused for its encoding before any parser sees it
    local_dtd = secret.parent / "local.dtd"
    local_dtd.write_text("<!ENTITY leak 'TOP-SECRET-FROM-DTD'>")
    docs["local-dtd"] = (f"<!DOCTYPE domain SYSTEM 'file://{local_dtd}'>\n"
                         "<domain><name>&leak;</name></domain>").encode()
    return docs


def test_parser_settings_alone_resolve_nothing(secret: Path, http_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth, layer 1: the parser's settings, fed the attacks directly (no byte check,
    no DOCTYPE check after parsing, no refusing resolver), expand no entity, read no file and open
    no socket."""
    opened: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: opened.append(addr))
    parser = xmlsafe._parser(remove_blank_text=True, refuse_resources=False)
    for name, doc in _docs(secret, http_server).items():
        try:
            root = etree.fromstring(doc, parser)
        except etree.LxmlError:
            continue  # refusing is fine; what matters is that nothing was read or expanded
        text = etree.tostring(root)
        assert b"TOP-SECRET" not in text, name
        assert b"lollollol" not in text, name
        assert root.getroottree().docinfo.externalDTD is None, f"{name}: an external DTD was read"
    assert opened == [] and _Recorder.hits == []


def test_the_resolver_alone_refuses_every_resource(secret: Path, http_server: str) -> None:
    """Defence in depth, layer 2: even a parser told to load DTDs and resolve entities reads
    nothing through the resolver xmlsafe installs."""
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=False)
    parser.resolvers.add(xmlsafe._RefuseAll())
    for name in ("xxe-file", "local-dtd"):
        with pytest.raises(XMLRefused, match="refused to load an external resource"):
            etree.fromstring(_docs(secret, http_server)[name], parser)
    assert _Recorder.hits == []


def test_committed_attack_files_are_refused() -> None:
    files = sorted(HOSTILE.glob("*.xml"))
    assert len(files) >= 4, "tests/data/hostile holds one file per attack"
    for path in files:
        with pytest.raises(XMLRefused) as info:
            xmlsafe.parse_file(path)
        assert info.value.kind == "hostile", path.name
        assert path.name in str(info.value)


@pytest.mark.parametrize(("data", "kind", "words"), [
    (b"", "empty", "empty"),
    (b"  \n\t ", "empty", "white space"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", "binary"),
    (b"<domain><name>x</name>", "malformed", "not well-formed"),
    (b"<domain><name>x</nme></domain>", "malformed", "not well-formed"),
    (b"<network><name>default</name></network>", "not-a-domain", "<network>"),
    (b"<domain xmlns='urn:x'><name>x</name></domain>", "not-a-domain", "expected <domain>"),
    (b"<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>\xe9</name></domain>", None, ""),
    (b"<domain><name>\xff\xfe</name></domain>", "binary", ""),
])
def test_broken_input_kinds(data: bytes, kind: str | None, words: str) -> None:
    if kind is None:
        assert xmlsafe.parse_domain(data, "f.xml").findtext("name") == "\u00e9"
        return
    with pytest.raises(XMLRefused) as info:
        xmlsafe.parse_domain(data, "f.xml")
    assert info.value.kind == kind
    assert str(info.value).startswith("f.xml: ")
    assert words in str(info.value)


def test_too_large_is_refused_without_reading_it_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as f:
        f.write(DOMAIN[:-9])
        f.seek(xmlsafe.MAX_BYTES + 10)
        f.write(b"</domain>")
    read: list[int] = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    with pytest.raises(XMLRefused) as info:
        xmlsafe.read_file(big)
    assert info.value.kind == "too-large" and "big.xml" in str(info.value)
    assert read == []  # refused from the size alone
    with pytest.raises(XMLRefused) as info:
        xmlsafe.parse_bytes(b"<a>" + b" " * xmlsafe.MAX_BYTES + b"</a>", "blob")
    assert info.value.kind == "too-large"


def test_special_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    with pytest.raises(XMLRefused) as info:
        xmlsafe.read_file(fifo)  # must not block
    assert info.value.kind == "unreadable" and "not a regular file" in str(info.value)
    with pytest.raises(XMLRefused) as info:
        xmlsafe.read_file(tmp_path / "missing.xml")
    assert info.value.kind == "unreadable" and "missing.xml" in str(info.value)


def test_odd_characters_are_displayed_not_crashed_on() -> None:
    assert xmlsafe.display("a\nb\x1b[31m") == "a\\nb\\x1b[31m"
    assert xmlsafe.display(os.fsdecode(b"caf\xe9.xml")) == "caf\\udce9.xml"
    assert xmlsafe.display("\u202eevil") == "\\u202eevil"


def test_no_module_parses_xml_outside_xmlsafe() -> None:
    """Every XML read in the package goes through xmlsafe (so its guarantees hold everywhere)."""
    forbidden = re.compile(r"\b(etree\.(fromstring|parse|XML|iterparse|XMLParser|HTML|fromstringlist)|"
                           r"xml\.(etree|dom|sax)|minidom|ElementTree|expat)\b")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "xmlsafe.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if forbidden.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}")
    assert offenders == []


def test_engine_roundtrip_refuses_hostile_xml(catalog: Catalog, secret: Path) -> None:
    host = catalog.host(catalog.release("9.0.0"))
    doc = attacks(secret, "http://127.0.0.1:9")["xxe-file"]
    with pytest.raises(XMLRefused) as info:
        engine.roundtrip("model-subelement", host, doc)
    assert info.value.kind == "hostile"


@pytest.mark.parametrize("name", ["xxe-file", "billion-laughs", "external-dtd"])
def test_cli_roundtrip_hostile_file_exit_2_without_traceback(
        name: str, tmp_path: Path, secret: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / f"{name}.xml"
    f.write_bytes(attacks(secret, "http://127.0.0.1:9")[name])
    status = cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0", str(f)])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and f"{name}.xml" in err and "no DTD is loaded" in err


def test_cli_roundtrip_missing_and_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0",
                     str(tmp_path / "nope.xml")]) == 2
    assert "nope.xml" in capsys.readouterr().err
    (tmp_path / "empty.xml").write_bytes(b"")
    assert cli.main(["roundtrip", "--scheme", "model-subelement", "--release", "9.0.0",
                     str(tmp_path / "empty.xml")]) == 2
    assert "empty.xml: the file is empty" in capsys.readouterr().err


def test_network_is_unreachable_for_the_parser_even_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard: if lxml ever tried a socket during a parse, this would see it."""
    opened: list[object] = []
    real = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: opened.append(addr) or real(self, addr))
    with pytest.raises(XMLRefused):
        xmlsafe.parse_domain(b"<!DOCTYPE d SYSTEM 'http://198.51.100.1/x.dtd'><domain/>", "x")
    assert opened == []
