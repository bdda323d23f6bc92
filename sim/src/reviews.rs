//! The reviews buyers leave on a seller's delivered orders, derived from the seeded world
//! (no state of its own): a share of delivered order lines get a review some hours to days
//! after delivery, with a rating, Korean text, sometimes photos, and often the seller's
//! reply a while later. A review (and its reply) exists once the simulated clock passes
//! its time. Each seller-center simulator shows them in its market's shape.

use crate::world::{Order, Stage};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone)]
pub struct SimReview {
    pub review_id: u64,
    /// The order line reviewed (WING does not show it; kept for the simulator's truth).
    pub order_no: u64,
    pub product: usize,
    pub rating: u8,
    pub title: &'static str,
    pub content: &'static str,
    pub member: u64,
    /// Photo file names, empty for a text review.
    pub photos: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub modified_at: Option<DateTime<Utc>>,
    /// When the seller replies (may be after the clock: unanswered until then).
    pub replied_at: Option<DateTime<Utc>>,
    pub reply: &'static str,
    /// WING's unexplained `emptyComment` flag, carried as the captures show it.
    pub empty_comment: bool,
    /// Whether the product is still on sale (판매중: `viSaleStatus`); `salesStatus:"true"`
    /// drops the others.
    pub on_sale: bool,
}

/// (rating, title, text). Ratings weigh towards 5 as on real marketplaces.
const TEXTS: &[(u8, &str, &str)] = &[
    (
        5,
        "정말 만족합니다",
        "배송도 빠르고 포장도 꼼꼼해요. 품질이 기대 이상이라 재구매 의사 있습니다!",
    ),
    (
        5,
        "최고예요",
        "가격 대비 너무 좋아요. 부모님 댁에도 하나 더 보내드렸어요 👍",
    ),
    (
        5,
        "강력 추천",
        "사진이랑 똑같고 마감도 깔끔합니다. 선물용으로도 좋아요.",
    ),
    (
        5,
        "재구매 의사 100%",
        "벌써 세 번째 구매입니다. 항상 믿고 삽니다.",
    ),
    (4, "좋아요", "전반적으로 만족하는데 배송이 하루 늦었어요."),
    (
        4,
        "괜찮습니다",
        "생각보다 크기가 조금 작지만 쓰기에는 불편함 없어요.",
    ),
    (
        3,
        "보통이에요",
        "가격 생각하면 무난합니다. 특별히 좋지도 나쁘지도 않아요.",
    ),
    (
        2,
        "아쉬워요",
        "포장 상자가 찌그러져서 왔어요. 제품은 이상 없었습니다.",
    ),
    (1, "별로예요", "설명과 색상이 달라요. 교환 요청했습니다."),
];

const REPLIES: &[&str] = &[
    "소중한 후기 감사합니다. 다음에도 만족하실 수 있도록 노력하겠습니다.",
    "불편을 드려 죄송합니다. 고객센터로 연락 주시면 바로 도와드리겠습니다.",
    "구매해 주셔서 감사합니다! 좋은 하루 보내세요.",
];

/// Index into TEXTS for a drawn rating share.
fn pick(rng: &mut StdRng) -> usize {
    let r: f64 = rng.random();
    match r {
        r if r < 0.60 => rng.random_range(0..4),
        r if r < 0.82 => rng.random_range(4..6),
        r if r < 0.92 => 6,
        r if r < 0.97 => 7,
        _ => 8,
    }
}

/// Every review the seller's orders ever get (also those after `now`), newest last.
pub fn of_seller(seed: u64, seller: usize, orders: &[Order]) -> Vec<SimReview> {
    let mut out = Vec::new();
    for o in orders {
        let Some(delivered) = o.story.iter().find(|(s, _)| *s == Stage::Delivered) else {
            continue;
        };
        for item in &o.items {
            let mut rng = StdRng::seed_from_u64(
                seed ^ 0x5245_5649_4557 ^ item.item_no.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            if !rng.random_bool(0.45) {
                continue;
            }
            let created_at = delivered.1 + Duration::minutes(rng.random_range(120..7_200));
            let (rating, title, content) = TEXTS[pick(&mut rng)];
            let photos = if rng.random_bool(0.3) {
                (0..rng.random_range(1..=3))
                    .map(|n| format!("{}_{n}.jpg", item.item_no))
                    .collect()
            } else {
                Vec::new()
            };
            out.push(SimReview {
                review_id: 300_000_000_000 + item.item_no,
                order_no: o.order_no,
                product: item.product,
                rating,
                title,
                content,
                member: o.buyer,
                photos,
                created_at,
                modified_at: rng
                    .random_bool(0.1)
                    .then(|| created_at + Duration::hours(rng.random_range(1..48))),
                replied_at: rng
                    .random_bool(0.6)
                    .then(|| created_at + Duration::minutes(rng.random_range(30..2_880))),
                reply: REPLIES[rng.random_range(0..REPLIES.len())],
                empty_comment: rng.random_bool(0.5),
                on_sale: item.product % 6 != 5 || seller.is_multiple_of(2),
            });
        }
    }
    out.sort_by_key(|r| (r.created_at, r.review_id));
    out
}
