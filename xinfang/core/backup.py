"""备份与恢复：数据库（SQLite 用在线备份 API，PostgreSQL 用 pg_dump 自定义格式）加上传文件目录，打成一个 tar，
旁边一个 SHA-256 校验文件（sha256sum 格式）。恢复前先核对校验和，不符即拒绝，一个字节也不写。

备份里不含加密密钥（XINFANG_DATA_KEYS）：密钥与备份分开保管，拿到备份的人读不出身份证号与电话。
清单记下备份时各把密钥的校验值（HMAC，推不出密钥），恢复时核对当前配置的密钥读得了这份备份。
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from . import clock, crypto

DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """备份或恢复做不了；信息是给管理员看的中文。"""


@dataclass
class BackupResult:
    path: Path
    checksum_path: Path
    sha256: str
    size: int
    media_files: int


class _HashingWriter:
    """边写边算 SHA-256：2 GB 的备份不必写完再读一遍。"""

    def __init__(self, handle):
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        return self.handle.write(data)

    def flush(self):
        self.handle.flush()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _key_checks() -> dict[str, str]:
    return {k.id: hmac.new(k.mac, b"xinfang backup key check", hashlib.sha256).hexdigest()[:16]
            for k in crypto.keyring()}


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432), "-U", s.get("USER") or "postgres"]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict, **kwargs) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _dump_database(target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # 在线备份：边有人写边备份也得到某一时刻一致的库（WAL 中的内容也在内）。
            connection.connection.backup(destination, pages=65536)
        finally:
            destination.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), *args, connection.settings_dict["NAME"]], env)
    else:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库")


def backup(out_dir: Path) -> BackupResult:
    """写 `xinfang-backup-时间.tar` 与同名的 `.sha256`，返回路径与校验和。"""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = clock.localtime(clock.now())
    name = f"xinfang-backup-{stamp:%Y%m%d-%H%M%S}"
    path, checksum_path = out_dir / f"{name}.tar", out_dir / f"{name}.tar.sha256"
    media = Path(settings.MEDIA_ROOT)
    media_files = 0
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[connection.vendor]
        _dump_database(dump)
        manifest = {
            "format": FORMAT, "created_at": clock.now().isoformat(), "vendor": connection.vendor,
            "database": DATABASE_MEMBER[connection.vendor], "data_key_checks": _key_checks(),
        }
        partial = path.with_suffix(".tar.partial")
        with open(partial, "wb") as raw:
            writer = _HashingWriter(raw)
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(clock.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
                tar.add(dump, arcname=dump.name)
                if media.is_dir():
                    for file in sorted(p for p in media.rglob("*") if p.is_file()):
                        tar.add(file, arcname=f"media/{file.relative_to(media).as_posix()}")
                        media_files += 1
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)  # 写完才改名：半截的备份不会被当成完整的
    sha = writer.digest.hexdigest()
    checksum_path.write_text(f"{sha}  {path.name}\n")
    return BackupResult(path, checksum_path, sha, writer.size, media_files)


def verify(path: Path) -> dict:
    """核对校验文件与清单，返回清单。校验文件缺失、格式不对或校验和不符都拒绝。"""
    checksum_path = path.with_name(path.name + ".sha256")
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    if not checksum_path.is_file():
        raise BackupError(f"缺少校验文件 {checksum_path.name}：没有校验和的备份不予恢复")
    expected = checksum_path.read_text().split()
    if not expected or len(expected[0]) != 64:
        raise BackupError(f"校验文件 {checksum_path.name} 格式不对：应为 sha256sum 的输出")
    actual = file_sha256(path)
    if not hmac.compare_digest(actual, expected[0].lower()):
        raise BackupError(f"备份文件 {path.name} 的 SHA-256 与校验文件不符（文件被改动或不完整），拒绝恢复")
    try:
        with tarfile.open(path, "r:") as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{path.name} 不是 xinfang backup 生成的备份：{exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不是本版本能恢复的（{FORMAT}）")
    return manifest


def _check_keys(manifest: dict) -> None:
    current = _key_checks()
    for key_id, check in manifest.get("data_key_checks", {}).items():
        if key_id not in current:
            raise BackupError(f"备份中的个人资料可能由密钥 {key_id} 加密，当前 XINFANG_DATA_KEYS 中没有它："
                              "请把那把密钥加到 XINFANG_DATA_KEYS 后再恢复")
        if not hmac.compare_digest(current[key_id], check):
            raise BackupError(f"当前 XINFANG_DATA_KEYS 中的密钥 {key_id} 与备份时的不是同一把，恢复后读不出个人资料，拒绝恢复")


def restore(path: Path) -> dict:
    """校验后恢复：数据库整体替换为备份中的（PostgreSQL 在一个事务里，失败则原库不变），上传目录换成备份中的
    （原目录改名保留为 media.before-restore-时间）。返回清单与统计。"""
    manifest = verify(path)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"这是 {manifest['vendor']} 数据库的备份，当前数据库是 {connection.vendor}，不能恢复")
    _check_keys(manifest)
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".restore-") as work:
        work = Path(work)
        with tarfile.open(path, "r:") as tar:
            tar.extractall(work, filter="data")  # data 过滤：拒绝绝对路径、.. 与设备文件
        dump = work / manifest["database"]
        for conn in connections.all(initialized_only=True):
            conn.close()
        if connection.vendor == "sqlite":
            source = sqlite3.connect(dump)
            target = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
            try:
                source.backup(target, pages=65536)  # 按页整体替换，写入是一个事务
            finally:
                source.close()
                target.close()
        else:
            args, env = _pg_env()
            name = connection.settings_dict["NAME"]
            script = subprocess.Popen(["pg_restore", "--no-owner", "--no-privileges", "-f", "-", str(dump)],
                                      stdout=subprocess.PIPE, env=env)
            try:
                # 先清空 public 再建回，一切在一个事务里（-1）：中途出错则回滚，原库原样。
                _run(["psql", "-q", "-X", "-1", "-v", "ON_ERROR_STOP=1", *args, "-d", name,
                      "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;", "-f", "-"], env,
                     stdin=script.stdout)
            finally:
                script.stdout.close()
                script.wait()
            if script.returncode != 0:
                raise BackupError(f"pg_restore 读不了备份中的数据库（退出码 {script.returncode}）")
        restored_media = work / "media"
        restored_media.mkdir(exist_ok=True)
        if media.exists():
            media.rename(media.with_name(f"{media.name}.before-restore-{clock.localtime(clock.now()):%Y%m%d-%H%M%S}"))
        shutil.move(str(restored_media), str(media))
    return manifest
