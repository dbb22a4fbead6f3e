# Decimal columns exact on SQLite too (exchange/models/exact_text_migration.py).

import exchange.models.fields
from decimal import Decimal
from django.db import migrations

from exchange.models.exact_text_migration import exact_text_operations


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0003_order_indexes_the_reads_need"),
    ]

    operations = exact_text_operations(
        "exchange",
        {
            "market": ["lot_size", "min_notional", "min_qty", "tick_size"],
            "order": [
                "display_quantity",
                "filled_quantity",
                "price",
                "quantity",
                "quote_quantity",
                "trigger_price",
            ],
            "orderevent": ["filled_quantity"],
            "trade": ["maker_fee", "price", "quantity", "taker_fee"],
        },
        [
            migrations.AlterField(
                model_name="market",
                name="lot_size",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18,
                    help_text="Quantities are whole multiples of this.",
                    max_digits=60,
                ),
            ),
            migrations.AlterField(
                model_name="market",
                name="min_notional",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18, default=Decimal("0"), max_digits=60
                ),
            ),
            migrations.AlterField(
                model_name="market",
                name="min_qty",
                field=exchange.models.fields.ExactDecimalField(
                    blank=True,
                    decimal_places=18,
                    help_text="Empty: one lot.",
                    max_digits=60,
                    null=True,
                ),
            ),
            migrations.AlterField(
                model_name="market",
                name="tick_size",
                field=exchange.models.fields.ExactDecimalField(
                    decimal_places=18,
                    help_text="Prices are whole multiples of this.",
                    max_digits=60,
                ),
            ),
            migrations.AlterField(
                model_name="order",
                name="display_quantity",
                field=exchange.models.fields.ExactDecimalField(
                    blank=True, decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="order",
                name="filled_quantity",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="order",
                name="price",
                field=exchange.models.fields.ExactDecimalField(
                    blank=True, decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="order",
                name="quantity",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="order",
                name="quote_quantity",
                field=exchange.models.fields.ExactDecimalField(
                    blank=True, decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="order",
                name="trigger_price",
                field=exchange.models.fields.ExactDecimalField(
                    blank=True, decimal_places=18, max_digits=60, null=True
                ),
            ),
            migrations.AlterField(
                model_name="orderevent",
                name="filled_quantity",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="trade",
                name="maker_fee",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="trade",
                name="price",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="trade",
                name="quantity",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
            migrations.AlterField(
                model_name="trade",
                name="taker_fee",
                field=exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60),
            ),
        ],
    )
