from django.core.management.base import BaseCommand

from xinfang.core import clock
from xinfang.exchange import outbox
from xinfang.exchange.models import OutboxMessage


class Command(BaseCommand):
    help = ("12345 回传：`xinfang exchange send [--retry-failed]` 把新的办理记录写成消息并立即发送到期的；"
            "`xinfang exchange status` 列出待发、停止重试（附最近的错误）与已送达的条数。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        send = sub.add_parser("send", help="写出并发送到期的回传消息")
        send.add_argument("--retry-failed", action="store_true", help="先把停止重试的消息重新排进队列")
        status = sub.add_parser("status", help="回传队列的状况")
        status.add_argument("--failed", type=int, default=20, help="列出最近多少条停止重试的消息（默认 20）")

    def handle(self, *args, what, **options):
        if what == "send":
            if options["retry_failed"]:
                self.stdout.write(f"重新排队 {outbox.retry_failed()} 条停止重试的消息。")
            written = outbox.scan_events()
            if not outbox.endpoint():
                self.stdout.write(f"新写入 {written} 条消息；未设置 XINFANG_12345_ENDPOINT，消息留在队列里不发送。")
                return
            delivered = total = outbox.deliver_pending()
            while delivered:  # 同一工单的下一条要等前一条送达：一轮一轮发，直到没有到期的
                delivered = outbox.deliver_pending()
                total += delivered
            self.stdout.write(f"新写入 {written} 条消息，本次送达 {total} 条。")
            what = "status"
        if what == "status":
            s = outbox.summary()
            where = outbox.endpoint() or "（未设置 XINFANG_12345_ENDPOINT）"
            self.stdout.write(f"对端：{where}")
            self.stdout.write(f"待发送 {s['pending']} 条（其中重试中 {s['retrying']} 条），停止重试 {s['failed']} 条，"
                              f"已送达 {s['delivered']} 条；办理记录游标 {s['cursor'] or 0}。")
            failed = (OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=False)
                      .select_related("work_order").order_by("-failed_at")[:options.get("failed", 20)])
            for message in failed:
                self.stdout.write(f"  停止重试：{message.idempotency_key}（{message.attempts} 次）{message.last_error}")
            retrying = (OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True, attempts__gt=0)
                        .order_by("next_attempt_at")[:20])
            for message in retrying:
                self.stdout.write(f"  重试中：{message.idempotency_key}（{message.attempts} 次，下次 "
                                  f"{clock.localtime(message.next_attempt_at):%Y-%m-%d %H:%M:%S}）{message.last_error}")
