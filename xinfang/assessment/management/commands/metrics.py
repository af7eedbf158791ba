from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xinfang.assessment import contract


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "；".join(f"{field}：{'、'.join(msgs)}" for field, msgs in error.message_dict.items())
    return "；".join(error.messages)


class Command(BaseCommand):
    help = ("按单位打印全部考核指标的分子、分母与数值。"
            "xinfang metrics --from 2026-01-01 --to 2026-03-31 [--unit 部门编号] --format json|csv")
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="统计期间开始日 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="统计期间结束日 YYYY-MM-DD（含）")
        parser.add_argument("--unit", help="单位代码（部门编号）：只统计该单位及其下级")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--three-rate-weights", dest="weights",
                            help="“三率”综合得分的权重，合计 100：response_rate=10,resolution_rate=45,satisfaction_rate=45")

    def handle(self, *args, start, end, unit=None, format="json", weights=None, **options):
        try:
            period = contract.parse_period(start, end)
            department = contract.unit_lookup(unit) if unit else None
            three_rates = contract.parse_weights(weights) if weights else None
        except ValidationError as error:
            raise CommandError(_message(error), returncode=2) from None
        payload = contract.build(*period, unit=department, three_rate_weights=three_rates)
        self.stdout.write(contract.render_json(payload) if format == "json" else contract.render_csv(payload),
                          ending="" if format == "csv" else "\n")
