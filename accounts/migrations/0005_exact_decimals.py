# Decimal columns exact on SQLite too (exchange/models/exact_text_migration.py).

import exchange.models.fields
from django.db import migrations

from exchange.models.exact_text_migration import exact_text_operations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_reconcile_schedule"),
    ]

    operations = exact_text_operations(
        "accounts",
        {
            "balance": ["available", "locked"],
            "ledgerentry": ["amount"],
            "reconciliationalert": [
                "ledger_available",
                "ledger_locked",
                "matcher_available",
                "matcher_locked",
            ],
            "transfer": ["amount"],
        },
        [
            migrations.AlterField(
                model_name="balance",
                name="available",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="balance",
                name="locked",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="ledgerentry",
                name="amount",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="reconciliationalert",
                name="ledger_available",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="reconciliationalert",
                name="ledger_locked",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="reconciliationalert",
                name="matcher_available",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="reconciliationalert",
                name="matcher_locked",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="transfer",
                name="amount",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
        ],
    )
