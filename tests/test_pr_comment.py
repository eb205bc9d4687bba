"""The comment bot's checks (tools/pr_comment.py): the pull request comes from the API, the
artifact's claims must agree with it, pictures must be real, small PNGs, and the comment always
says which commit it describes."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest

from tools import pr_comment
from tools.pr_comment import MARKER, PullRequest, Refused, check_claims, compose, preview_images, resolve

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER_SHA = "f" * 40
REPO = "civic/observability"


def png(width: int = 2, height: int = 1) -> bytes:
    """A real PNG (signature, IHDR, IDAT, IEND) built with zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pull(number: int, sha: str = SHA, repo: str | None = REPO, state: str = "open") -> dict:
    return {
        "number": number,
        "state": state,
        "head": {"sha": sha, "repo": {"full_name": repo} if repo else None},
    }


def artifact(tmp_path: Path, claims: object = None, diff: str = "no changes\n") -> Path:
    root = tmp_path / "artifact"
    root.mkdir()
    if claims is None:
        claims = {"number": 7, "head_sha": SHA, "head_repository": REPO, "base_sha": OTHER_SHA}
    (root / "pr.json").write_text(json.dumps(claims))
    (root / "plan-diff.md").write_text(diff)
    return root


def pictures(
    root: Path, files: dict[str, bytes], comment: str | None = "![a](@IMAGE_BASE_URL@/a.png)\n"
) -> Path:
    directory = root / "preview-compare"
    directory.mkdir()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    if comment is not None:
        (directory / "comment.md").write_text(comment)
    return directory


# --- which pull request --------------------------------------------------------------------------


def test_resolve_takes_the_open_pull_request_with_this_head_commit_and_repository():
    pulls = [pull(3, OTHER_SHA), pull(5, SHA, "attacker/observability"), pull(7), pull(9, state="closed")]
    assert resolve(pulls, SHA, REPO) == PullRequest(7, SHA, REPO)


def test_resolve_finds_nothing_when_the_run_was_superseded_or_the_fork_deleted():
    assert resolve([pull(7, OTHER_SHA)], SHA, REPO) is None
    assert resolve([pull(7, SHA, repo=None)], SHA, REPO) is None
    assert resolve([], SHA, REPO) is None


def test_resolve_refuses_to_guess_between_two_pull_requests():
    with pytest.raises(Refused, match="2 open pull requests"):
        resolve([pull(7), pull(8)], SHA, REPO)


@pytest.mark.parametrize("sha, repo", [("abc", REPO), (SHA.upper(), REPO), (SHA, "no-slash"), (SHA, "a/b c")])
def test_resolve_refuses_malformed_event_values(sha, repo):
    with pytest.raises(Refused):
        resolve([pull(7)], sha, repo)


# --- the artifact's claims -----------------------------------------------------------------------


def test_matching_claims_pass(tmp_path):
    check_claims(artifact(tmp_path), PullRequest(7, SHA, REPO))


@pytest.mark.parametrize(
    "field, value",
    [("number", 8), ("number", "7"), ("head_sha", OTHER_SHA), ("head_repository", "attacker/observability")],
)
def test_a_claim_that_differs_from_the_api_is_refused(tmp_path, field, value):
    claims = {"number": 7, "head_sha": SHA, "head_repository": REPO} | {field: value}
    with pytest.raises(Refused, match=f"{field}: artifact says"):
        check_claims(artifact(tmp_path, claims), PullRequest(7, SHA, REPO))


@pytest.mark.parametrize(
    "content, message", [("7", "not a JSON object"), ("{", "not JSON"), ("[]", "not a JSON")]
)
def test_malformed_claims_are_refused(tmp_path, content, message):
    root = artifact(tmp_path)
    (root / "pr.json").write_text(content)
    with pytest.raises(Refused, match=message):
        check_claims(root, PullRequest(7, SHA, REPO))


def test_missing_or_oversized_claims_are_refused(tmp_path):
    root = artifact(tmp_path)
    (root / "pr.json").write_text(json.dumps({"number": 7, "pad": "x" * 5000}))
    with pytest.raises(Refused, match="larger than"):
        check_claims(root, PullRequest(7, SHA, REPO))
    (root / "pr.json").unlink()
    with pytest.raises(Refused, match="has no pr.json"):
        check_claims(root, PullRequest(7, SHA, REPO))


def test_hostile_claims_cannot_write_workflow_commands_to_the_log(tmp_path, monkeypatch, capsys):
    claims = {
        "number": "7\n::add-mask::x\n::set-output name=number::1",
        "head_sha": SHA,
        "head_repository": REPO,
    }
    root = artifact(tmp_path, claims)
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    argv = ["verify", "--artifact", str(root), "--number", "7", "--head-sha", SHA, "--head-repository", REPO]
    assert pr_comment.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error::refused: ")
    assert output.read_text() == "status=refused\nimages=false\n"


# --- pictures ------------------------------------------------------------------------------------


def test_real_pngs_pass_and_are_staged(tmp_path):
    root = artifact(tmp_path)
    pictures(root, {"a.png": png(), "clerk-pipeline.base.png": png(4, 3)})
    assert [p.name for p in preview_images(root)] == ["a.png", "clerk-pipeline.base.png"]
    staged = pr_comment.stage_images(root, tmp_path / "out")
    assert staged == ["a.png", "clerk-pipeline.base.png"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == staged
    assert (tmp_path / "out" / "a.png").read_bytes() == png()


def test_no_preview_directory_means_no_pictures(tmp_path):
    assert preview_images(artifact(tmp_path)) == []


@pytest.mark.parametrize(
    "files, message",
    [
        ({"a.png": b"<svg onload=alert(1)>" + b"x" * 20}, "not a PNG"),
        ({"a.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 8}, "not a PNG"),
        ({"a.png": b"GIF89a" + png()[6:]}, "not a PNG"),
        ({"a.svg": png()}, "unexpected file"),
        ({".hidden.png": png()}, "unexpected file"),
        ({"a b.png": png()}, "unexpected file"),
        ({"run.sh": b"#!/bin/sh\n"}, "unexpected file"),
    ],
)
def test_anything_but_a_named_png_refuses_the_set(tmp_path, files, message):
    root = artifact(tmp_path)
    pictures(root, files)
    with pytest.raises(Refused, match=message):
        preview_images(root)


def test_size_and_count_limits(tmp_path):
    root = artifact(tmp_path)
    directory = pictures(root, {"a.png": png()})
    with (directory / "big.png").open("wb") as handle:
        handle.write(png())
        handle.truncate(pr_comment.MAX_PNG_BYTES + 1)
    with pytest.raises(Refused, match="more than"):
        preview_images(root)
    (directory / "big.png").unlink()
    for index in range(9):  # 9 x 5 MiB: each within its limit, together above 40 MiB
        with (directory / f"big{index}.png").open("wb") as handle:
            handle.write(png())
            handle.truncate(pr_comment.MAX_PNG_BYTES)
    with pytest.raises(Refused, match="pictures total"):
        preview_images(root)
    for index in range(9):
        (directory / f"big{index}.png").unlink()
    for index in range(pr_comment.MAX_PNG_FILES):
        (directory / f"p{index}.png").write_bytes(png())
    with pytest.raises(Refused, match="pictures, more than"):
        preview_images(root)


def test_the_pictures_comment_is_capped(tmp_path):
    root = artifact(tmp_path)
    pictures(root, {"a.png": png()}, comment="§" * 30_000)
    body = compose("ok", SHA, RUN, root, "https://example.invalid/p")
    assert body.count("§") == pr_comment.MAX_PREVIEW_COMMENT_CHARS and "(cut here)" in body


def test_symlinks_subdirectories_and_pictures_without_a_comment_are_refused(tmp_path):
    root = artifact(tmp_path)
    directory = pictures(root, {"a.png": png()})
    (directory / "b.png").symlink_to(root / "pr.json")
    with pytest.raises(Refused, match="not a regular file"):
        preview_images(root)
    (directory / "b.png").unlink()
    (directory / "sub.png").mkdir()
    with pytest.raises(Refused, match="not a regular file"):
        preview_images(root)
    (directory / "sub.png").rmdir()
    (directory / "comment.md").unlink()
    with pytest.raises(Refused, match="without preview-compare/comment.md"):
        preview_images(root)


# --- the comment ---------------------------------------------------------------------------------

RUN = "https://github.com/civic/observability/actions/runs/1"


def test_comment_carries_the_diff_the_commit_and_the_published_pictures(tmp_path):
    root = artifact(tmp_path, diff="### Alert rules\n\n- alert x: for 10m -> 5m\n")
    pictures(root, {"a.png": png()})
    base = f"https://github.com/{REPO}/raw/pr-previews/pr-7/{SHA}"
    body = compose("ok", SHA, RUN, root, base)
    assert body.startswith(MARKER + "\n## Offline plan diff for 0123456789")
    assert "- alert x: for 10m -> 5m" in body
    assert f"![a]({base}/a.png)" in body and "@IMAGE_BASE_URL@" not in body


def test_pictures_that_could_not_be_published_are_not_linked(tmp_path):
    root = artifact(tmp_path)
    pictures(root, {"a.png": png()})
    body = compose("ok", SHA, RUN, root, None)
    assert "could not be published" in body and "@IMAGE_BASE_URL@" not in body


def test_a_missing_artifact_never_reads_as_no_changes():
    body = compose("missing", SHA, RUN)
    assert "No plan diff for 0123456789" in body and "older commit" in body and RUN in body
    assert "no changes" not in body.lower()


def test_a_refused_artifact_shows_nothing_of_it(tmp_path):
    root = artifact(tmp_path, diff="no changes\n")
    body = compose("refused", SHA, RUN, root)
    assert "Refused for 0123456789" in body and "no changes" not in body


def test_a_huge_diff_is_cut_below_githubs_comment_limit(tmp_path):
    root = artifact(tmp_path, diff="- changed line\n" * 20_000)
    pictures(root, {"a.png": png()}, comment="x" * 50_000)
    body = compose("ok", SHA, RUN, root, "https://example.invalid/p")
    assert len(body) <= pr_comment.MAX_COMMENT_CHARS < 65_536
    assert "too long for a comment" in body and body.startswith(MARKER)


def test_cli_resolve_and_compose(tmp_path, monkeypatch):
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    (tmp_path / "pulls.json").write_text(json.dumps([pull(7), pull(3, OTHER_SHA)]))
    argv = ["resolve", "--pulls", str(tmp_path / "pulls.json"), "--head-sha", SHA, "--head-repository", REPO]
    assert pr_comment.main(argv) == 0
    assert output.read_text() == "number=7\n"
    target = tmp_path / "comment.md"
    argv = ["compose", "--status", "missing", "--artifact", str(tmp_path / "none"), "--head-sha", SHA]
    assert pr_comment.main([*argv, "--run-url", RUN, "--output", str(target)]) == 0
    assert target.read_text().startswith(MARKER)
