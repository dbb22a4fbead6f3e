# Decimal columns exact on SQLite too (exchange/models/exact_text_migration.py).

import exchange.models.fields
from decimal import Decimal
from django.db import migrations

from exchange.models.exact_text_migration import exact_text_operations


class Migration(migrations.Migration):
    dependencies = [
        ("fees", "0003_recompute_tiers_schedule"),
    ]

    operations = exact_text_operations(
        "fees",
        {
            "feeoverride": ["maker_rate", "taker_rate"],
            "feetier": ["maker_rate", "min_volume_30d", "taker_rate"],
            "usertier": ["volume_30d"],
        },
        [
            migrations.AlterField(
                model_name="feeoverride",
                name="maker_rate",
                field=exchange.models.fields.ExactDecimalField(decimal_places=8, max_digits=12),
            ),
            migrations.AlterField(
                model_name="feeoverride",
                name="taker_rate",
                field=exchange.models.fields.ExactDecimalField(decimal_places=8, max_digits=12),
            ),
            migrations.AlterField(
                model_name="feetier",
                name="maker_rate",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=8, help_text="Negative: a rebate.", max_digits=12
                ),
            ),
            migrations.AlterField(
                model_name="feetier",
                name="min_volume_30d",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=8, default=Decimal("0"), max_digits=40
                ),
            ),
            migrations.AlterField(
                model_name="feetier",
                name="taker_rate",
                field=exchange.models.fields.ExactDecimalField(decimal_places=8, max_digits=12),
            ),
            migrations.AlterField(
                model_name="usertier",
                name="volume_30d",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18,
                    help_text="The 30-day quote volume the tier was chosen by.",
                    max_digits=60,
                ),
            ),
        ],
    )
