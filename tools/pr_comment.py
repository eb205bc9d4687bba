"""The pull-request comment bot's checks: which pull request a run belongs to, whether the run's
artifact agrees, which pictures may be published, and the comment's text.

    python3 tools/pr_comment.py resolve --pulls pulls.json --head-sha SHA --head-repository OWNER/REPO
    python3 tools/pr_comment.py verify --artifact DIR --number N --head-sha SHA --head-repository O/R
    python3 tools/pr_comment.py stage-images --artifact DIR --out DIR
    python3 tools/pr_comment.py compose --status ok|missing|refused ... --output comment.md

`.github/workflows/pr-comment.yml` runs this file from the default branch (reviewed code) with the
runner's own python3, so it uses the standard library only. Everything in the artifact was written
by the pull request's code and is data: it is parsed, compared and size-limited, never executed,
never expanded into a shell command, and printed only through repr() so that no line of it can
become a workflow command in the log. The pull request is resolved from the workflow_run event and
the GitHub API (head SHA and head repository); the artifact's `pr.json` is only compared with it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

MARKER = "<!-- offline-plan-diff -->"
ARTIFACT_NAME = "offline-plan"
CLAIMS_FILE = "pr.json"
PLAN_DIFF_FILE = "plan-diff.md"
PREVIEW_DIR = "preview-compare"
PREVIEW_COMMENT = "comment.md"
IMAGE_BASE_URL = "@IMAGE_BASE_URL@"  # placeholder in preview-compare/comment.md

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 5 * 1024 * 1024
MAX_PNG_FILES = 40
MAX_PNG_TOTAL = 40 * 1024 * 1024
MAX_CLAIMS_BYTES = 4096
MAX_PREVIEW_COMMENT_CHARS = 20_000
# GitHub refuses comment bodies over 65536 characters; keep room for the header and notes.
MAX_COMMENT_CHARS = 60_000
PNG_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.png$")
SHA = re.compile(r"^[0-9a-f]{40}$")
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class Refused(Exception):
    """The artifact, or the pull request lookup, cannot be trusted for this comment."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str
    head_repository: str


def shown(value: object, limit: int = 80) -> str:
    """An untrusted value for a log line: repr'd (no newlines, no leading '::') and cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


def resolve(pulls: list[dict], head_sha: str, head_repository: str) -> PullRequest | None:
    """The one open pull request whose head is exactly this commit of this repository.

    `pulls` is the API's answer for the run's head branch. None when no pull request has that head
    any more (a newer push superseded the run, or the pull request was closed): nothing to post.
    """
    if not SHA.match(head_sha) or not REPOSITORY.match(head_repository):
        raise Refused(f"not a head SHA/repository: {shown(head_sha)} {shown(head_repository)}")
    matches = [
        pull
        for pull in pulls
        if pull.get("state", "open") == "open"
        and (pull.get("head") or {}).get("sha") == head_sha
        and ((pull.get("head") or {}).get("repo") or {}).get("full_name") == head_repository
    ]
    if len(matches) > 1:
        numbers = sorted(int(pull["number"]) for pull in matches)
        raise Refused(f"{len(matches)} open pull requests have head {head_sha}: {numbers}; not guessing")
    if not matches:
        return None
    return PullRequest(int(matches[0]["number"]), head_sha, head_repository)


def read_claims(artifact: Path) -> dict:
    path = artifact / CLAIMS_FILE
    if not path.is_file() or path.is_symlink():
        raise Refused(f"the artifact has no {CLAIMS_FILE}")
    if path.stat().st_size > MAX_CLAIMS_BYTES:
        raise Refused(f"{CLAIMS_FILE} is larger than {MAX_CLAIMS_BYTES} bytes")
    try:
        claims = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(f"{CLAIMS_FILE} is not JSON ({error.__class__.__name__})") from None
    if not isinstance(claims, dict):
        raise Refused(f"{CLAIMS_FILE} is not a JSON object")
    return claims


def check_claims(artifact: Path, pull: PullRequest) -> None:
    """Refuse when what the artifact says about itself differs from the resolved pull request."""
    claims = read_claims(artifact)
    expected = {"number": pull.number, "head_sha": pull.head_sha, "head_repository": pull.head_repository}
    wrong = [
        f"{key}: artifact says {shown(claims.get(key))}, the API says {shown(value)}"
        for key, value in expected.items()
        if claims.get(key) != value
    ]
    if wrong:
        raise Refused("the artifact does not belong to this pull request run: " + "; ".join(wrong))


def preview_images(artifact: Path) -> list[Path]:
    """The dashboard pictures of the artifact, each checked; [] when it has none.

    Only flat regular files named like `clerk-pipeline.png`, starting with the PNG signature and an
    IHDR chunk, within the size limits; anything else refuses the whole set.
    """
    directory = artifact / PREVIEW_DIR
    if not directory.exists():
        return []
    if directory.is_symlink() or not directory.is_dir():
        raise Refused(f"{PREVIEW_DIR} is not a directory")
    images: list[Path] = []
    total = 0
    for entry in sorted(directory.iterdir()):
        if entry.name == PREVIEW_COMMENT:
            if entry.is_symlink() or not entry.is_file():
                raise Refused(f"{PREVIEW_DIR}/{PREVIEW_COMMENT} is not a regular file")
            continue
        if not PNG_NAME.match(entry.name):
            raise Refused(f"unexpected file in {PREVIEW_DIR}: {shown(entry.name)}")
        if entry.is_symlink() or not entry.is_file():
            raise Refused(f"{PREVIEW_DIR}/{entry.name} is not a regular file")
        size = entry.stat().st_size
        if size > MAX_PNG_BYTES:
            raise Refused(f"{PREVIEW_DIR}/{entry.name}: {size} bytes, more than {MAX_PNG_BYTES}")
        with entry.open("rb") as handle:
            head = handle.read(16)
        if head[:8] != PNG_MAGIC or head[12:16] != b"IHDR":
            raise Refused(f"{PREVIEW_DIR}/{entry.name} is not a PNG (bad signature)")
        total += size
        images.append(entry)
    if len(images) > MAX_PNG_FILES:
        raise Refused(f"{len(images)} pictures, more than {MAX_PNG_FILES}")
    if total > MAX_PNG_TOTAL:
        raise Refused(f"pictures total {total} bytes, more than {MAX_PNG_TOTAL}")
    if images and not (directory / PREVIEW_COMMENT).is_file():
        raise Refused(f"pictures without {PREVIEW_DIR}/{PREVIEW_COMMENT}")
    return images


def stage_images(artifact: Path, out: Path) -> list[str]:
    """Copy the checked pictures into `out` (created empty) for the pr-previews branch."""
    images = preview_images(artifact)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for image in images:
        shutil.copyfile(image, out / image.name)
    return [image.name for image in images]


def read_text(path: Path, limit: int) -> str | None:
    if not path.is_file() or path.is_symlink():
        return None
    text = path.read_bytes()[: limit * 4].decode("utf-8", errors="replace")
    return text if len(text) <= limit else text[:limit] + "\n\n... (cut here)\n"


def compose(
    status: str,
    head_sha: str,
    run_url: str,
    artifact: Path | None = None,
    image_base_url: str | None = None,
) -> str:
    """The comment's Markdown. It always names the commit it describes, so an older comment can
    never pass for the current state, and says plainly when there is no diff to show."""
    short = head_sha[:10]
    lines = [MARKER, f"## Offline plan diff for {short}", ""]
    if status == "missing":
        lines += [
            f"**No plan diff for {short}**: the [pull request run]({run_url}) ended without the "
            f"`{ARTIFACT_NAME}` artifact (it failed or was skipped before the upload). Any diff shown "
            "earlier on this pull request is for an older commit. Fix the run and push again.",
        ]
        return "\n".join(lines) + "\n"
    if status == "refused":
        lines += [
            f"**Refused for {short}**: the [pull request run]({run_url}) produced an artifact that "
            "does not match this pull request (its log says why). Nothing from it is shown.",
        ]
        return "\n".join(lines) + "\n"
    assert artifact is not None
    diff = read_text(artifact / PLAN_DIFF_FILE, MAX_COMMENT_CHARS)
    if diff is None:
        diff = f"**The artifact has no {PLAN_DIFF_FILE}.**"
    lines += [f"_From the [pull request run]({run_url}); the full diff is in its job summary._", "", diff]
    preview = read_text(artifact / PREVIEW_DIR / PREVIEW_COMMENT, MAX_PREVIEW_COMMENT_CHARS)
    if preview is not None:
        lines += ["", "## Dashboard pictures", ""]
        if image_base_url:
            lines.append(preview.replace(IMAGE_BASE_URL, image_base_url.rstrip("/")))
        else:
            lines.append(f"_The pictures could not be published; see the [run]({run_url})._")
    body = "\n".join(lines).rstrip() + "\n"
    if len(body) > MAX_COMMENT_CHARS:
        note = f"\n\n... (too long for a comment: the full diff is in the [run's job summary]({run_url}))\n"
        body = body[: MAX_COMMENT_CHARS - len(note)] + note
    return body


def write_outputs(values: dict[str, str]) -> None:
    """Step outputs for the workflow (GITHUB_OUTPUT), or stdout when run by hand."""
    target = os.environ.get("GITHUB_OUTPUT")
    text = "".join(f"{key}={value}\n" for key, value in values.items())
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("resolve", help="the pull request of a head SHA + repository (API answer)")
    p.add_argument("--pulls", type=Path, required=True)
    p.add_argument("--head-sha", required=True)
    p.add_argument("--head-repository", required=True)
    p = commands.add_parser("verify", help="compare the artifact's claims, check its pictures")
    p.add_argument("--artifact", type=Path, required=True)
    p.add_argument("--number", type=int, required=True)
    p.add_argument("--head-sha", required=True)
    p.add_argument("--head-repository", required=True)
    p = commands.add_parser("stage-images", help="copy the checked pictures for publishing")
    p.add_argument("--artifact", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p = commands.add_parser("compose", help="write the comment")
    p.add_argument("--status", choices=["ok", "missing", "refused"], required=True)
    p.add_argument("--artifact", type=Path)
    p.add_argument("--head-sha", required=True)
    p.add_argument("--run-url", required=True)
    p.add_argument("--image-base-url", default="")
    p.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "resolve":
            pulls = json.loads(args.pulls.read_text(encoding="utf-8"))
            pull = resolve(pulls, args.head_sha, args.head_repository)
            if pull is None:
                print(f"no open pull request has head {args.head_sha} of {args.head_repository}")
            write_outputs({"number": str(pull.number) if pull else ""})
        elif args.command == "verify":
            pull = PullRequest(args.number, args.head_sha, args.head_repository)
            try:
                check_claims(args.artifact, pull)
                images = preview_images(args.artifact)
            except Refused as refused:
                print(f"::error::refused: {refused}")
                write_outputs({"status": "refused", "images": "false"})
                return 0
            print(f"the artifact matches #{pull.number} at {pull.head_sha}; {len(images)} picture(s)")
            write_outputs({"status": "ok", "images": "true" if images else "false"})
        elif args.command == "stage-images":
            names = stage_images(args.artifact, args.out)
            print(f"{len(names)} picture(s) staged in {args.out}")
        else:
            text = compose(
                args.status, args.head_sha, args.run_url, args.artifact, args.image_base_url or None
            )
            args.output.write_text(text, encoding="utf-8")
    except Refused as refused:
        print(f"::error::refused: {refused}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
