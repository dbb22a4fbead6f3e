"""One-minute candle rollups, and the rows of the trades already in the table."""

from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal, localcontext

import django.db.models.deletion
import exchange.models.fields
from django.db import migrations, models

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXACT = Context(prec=400)
FLUSH_EVERY = 1000


def build_rollups(apps, schema_editor):
    """A CandleMinute row per market and minute that has trades, read in one pass over the
    trades (by market and time, so each minute's trades come together)."""
    Trade = apps.get_model("exchange", "Trade")
    CandleMinute = apps.get_model("exchange", "CandleMinute")
    rollups = {}
    trades = Trade.objects.order_by("market_id", "executed_at", "id").values_list(
        "id", "market_id", "price", "quantity", "executed_at"
    )
    with localcontext(EXACT):
        for trade_id, market, price, quantity, at in trades.iterator(chunk_size=5000):
            key = (market, (at - EPOCH) // timedelta(minutes=1) * 60_000)
            row = rollups.get(key)
            if row is None:
                if len(rollups) >= FLUSH_EVERY:
                    # minutes come in order: the ones gathered so far are complete
                    CandleMinute.objects.bulk_create(rollups.values())
                    rollups.clear()
                row = rollups[key] = CandleMinute(
                    market_id=market, minute=key[1], open=price, high=price, low=price,
                    close=price, volume=Decimal(0), quote_volume=Decimal(0), trade_count=0,
                    first_trade_id=trade_id, last_trade_id=trade_id,
                )
            if trade_id < row.first_trade_id:
                row.open, row.first_trade_id = price, trade_id
            if trade_id > row.last_trade_id:
                row.close, row.last_trade_id = price, trade_id
            row.high, row.low = max(row.high, price), min(row.low, price)
            row.volume += quantity
            row.quote_volume += price * quantity
            row.trade_count += 1
    CandleMinute.objects.bulk_create(rollups.values())


class Migration(migrations.Migration):

    dependencies = [
        ('exchange', '0005_matcher_persist_error'),
    ]

    operations = [
        migrations.CreateModel(
            name='CandleMinute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('minute', models.BigIntegerField(help_text='Open time, ms since the epoch (UTC).')),
                ('open', exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60)),
                ('high', exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60)),
                ('low', exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60)),
                ('close', exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60)),
                ('volume', exchange.models.fields.ExactDecimalField(decimal_places=18, max_digits=60)),
                ('quote_volume', exchange.models.fields.ExactDecimalField(decimal_places=36, max_digits=100)),
                ('trade_count', models.BigIntegerField()),
                ('first_trade_id', models.BigIntegerField()),
                ('last_trade_id', models.BigIntegerField()),
                ('market', models.ForeignKey(db_column='symbol', on_delete=django.db.models.deletion.CASCADE, related_name='+', to='exchange.market', to_field='symbol')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('market', 'minute'), name='candle_minute_unique')],
            },
        ),
        migrations.RunPython(build_rollups, migrations.RunPython.noop, elidable=True),
    ]
