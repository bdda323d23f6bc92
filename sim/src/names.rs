//! Korean names, addresses, products and questions for seeded data.

pub const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권",
];
pub const GIVEN: &[&str] = &[
    "민준", "서연", "도윤", "지우", "하준", "서윤", "예준", "하은", "시우", "지민", "주원", "수아",
    "지호", "다은", "준서", "채원", "현우", "지유", "은우", "소율",
];
pub const ADDRESSES: &[&str] = &[
    "서울특별시 강남구 테헤란로 152",
    "서울특별시 마포구 월드컵북로 396",
    "부산광역시 해운대구 센텀중앙로 97",
    "인천광역시 연수구 송도과학로 32",
    "대구광역시 수성구 달구벌대로 2435",
    "경기도 성남시 분당구 판교역로 235",
    "광주광역시 서구 상무중앙로 110",
    "대전광역시 유성구 대학로 291",
    "경기도 수원시 영통구 광교중앙로 140",
    "제주특별자치도 제주시 첨단로 242",
];
pub const DETAILS: &[&str] = &["101동 1203호", "3층", "B동 502호", "1층 상가", "707호"];
/// (name, option, unit price KRW)
pub const PRODUCTS: &[(&str, &str, i64)] = &[
    ("국내산 햇사과 5kg", "중과 20과", 32_900),
    ("무선 블루투스 이어폰", "화이트", 45_000),
    ("유기농 현미 10kg", "2025년산", 38_500),
    ("면 100% 오버핏 티셔츠", "블랙 / L", 19_800),
    ("스테인리스 텀블러 500ml", "실버", 15_900),
    ("제주 감귤 3kg", "로얄과", 21_000),
    ("저소음 무선 마우스", "그레이", 12_900),
    ("천연 라텍스 베개", "스탠다드", 59_000),
    ("캠핑용 접이식 의자", "카키", 27_500),
    ("비타민C 1000mg 120정", "1박스", 18_700),
    ("어린이 그림책 세트", "10권", 49_000),
    ("고급 원두커피 1kg", "에티오피아", 29_900),
];
pub const QUESTIONS: &[&str] = &[
    "배송은 언제쯤 출발하나요?",
    "사이즈 교환 가능한가요?",
    "재입고 예정이 있나요?",
    "선물 포장 되나요?",
    "주문 취소하고 싶습니다.",
    "유통기한이 어떻게 되나요?",
];
pub const ANSWERS: &[&str] = &[
    "안녕하세요 고객님, 내일 출고 예정입니다.",
    "네, 수령 후 7일 이내 교환 가능합니다.",
    "다음 주 재입고 예정입니다. 감사합니다.",
];

/// A deterministic Korean full name for `n`.
pub fn person(n: u64) -> String {
    let s = SURNAMES[(n % SURNAMES.len() as u64) as usize];
    let g = GIVEN[((n / 7) % GIVEN.len() as u64) as usize];
    format!("{s}{g}")
}

/// A deterministic (masked-looking) safe number, as marketplaces hand out.
pub fn safe_number(n: u64) -> String {
    format!(
        "0507-{:04}-{:04}",
        n.wrapping_mul(37) % 10_000,
        n.wrapping_mul(91) % 10_000
    )
}

pub fn address(n: u64) -> (&'static str, &'static str, String) {
    let a = ADDRESSES[(n % ADDRESSES.len() as u64) as usize];
    let d = DETAILS[((n / 3) % DETAILS.len() as u64) as usize];
    (
        a,
        d,
        format!("{:05}", 10_000 + n.wrapping_mul(131) % 60_000),
    )
}
